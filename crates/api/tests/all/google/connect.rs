use omnicrm_testkit::{FAKE_CLIENT_ID, TestApp, TestDb};
use reqwest::StatusCode;

use crate::common::google::{query_param, setup, start_connect};

#[tokio::test]
async fn connect_redirects_to_consent_with_offline_access_pkce_and_a_state() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let url = start_connect(&ctx.app, alice, "gmail").await;
    assert!(url.starts_with(&format!("{}/auth?", ctx.google.base_url)));
    assert_eq!(query_param(&url, "client_id").unwrap(), FAKE_CLIENT_ID);
    assert_eq!(query_param(&url, "access_type").unwrap(), "offline");
    assert_eq!(query_param(&url, "response_type").unwrap(), "code");
    assert_eq!(query_param(&url, "code_challenge_method").unwrap(), "S256");
    assert_eq!(query_param(&url, "code_challenge").unwrap().len(), 43);
    let scope = query_param(&url, "scope").unwrap();
    assert!(scope.contains("https://www.googleapis.com/auth/gmail.readonly"));
    assert!(scope.contains("openid") && scope.contains("email"));
    assert_eq!(
        query_param(&url, "redirect_uri").unwrap(),
        format!("{}/api/v1/google/callback", ctx.app.base_url)
    );
    assert!(!query_param(&url, "state").unwrap().is_empty());
    let calendar = start_connect(&ctx.app, alice, "calendar").await;
    assert!(
        query_param(&calendar, "scope")
            .unwrap()
            .contains("calendar.readonly")
    );
}

#[tokio::test]
async fn unknown_services_are_404_and_anonymous_callers_401() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    alice
        .get("/api/v1/google/drive/connect")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    ctx.app
        .anonymous()
        .get("/api/v1/google/gmail/connect")
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn without_a_client_id_every_google_route_is_503() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user());
    for path in [
        "/api/v1/google/gmail/connect",
        "/api/v1/google/status",
        "/api/v1/google/callback?state=x&code=y",
    ] {
        alice.get(path).await.problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "integration_not_configured",
        );
    }
    alice.delete("/api/v1/google/gmail").await.problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "integration_not_configured",
    );
}

#[tokio::test]
async fn connecting_in_a_loop_keeps_at_most_ten_pending_states_and_the_newest_works() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let mut last = String::new();
    for _ in 0..14 {
        last = start_connect(&ctx.app, alice, "gmail").await;
    }
    let pending: i64 = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM google_oauth_states", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(pending, 10);
    let callback = ctx.google.consent(&last).await;
    assert!(
        crate::common::google::follow_callback(&callback)
            .await
            .ends_with("?connected=gmail")
    );
}
