use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::google::{connect, setup};

#[tokio::test]
async fn status_lists_both_services_and_another_user_sees_none_of_alices() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    connect(&ctx, alice, "calendar").await;
    let status: Value = ctx
        .app
        .as_user(alice)
        .get("/api/v1/google/status")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(status["services"][0]["service"], "gmail");
    assert_eq!(status["services"][0]["connected"], false);
    let calendar = &status["services"][1];
    assert_eq!(calendar["service"], "calendar");
    assert_eq!(calendar["connected"], true);
    assert_eq!(calendar["revoked"], false);
    assert!(
        calendar["scopes"]
            .as_array()
            .unwrap()
            .contains(&json!("https://www.googleapis.com/auth/calendar.readonly"))
    );
    assert!(calendar["expiresAt"].is_string());
    let bob: Value = ctx
        .app
        .as_user(TestApp::new_user())
        .get("/api/v1/google/status")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(bob["services"][1]["connected"], false);
    assert_eq!(bob["services"][1]["email"], Value::Null);
}

#[tokio::test]
async fn a_grant_revoked_at_google_shows_as_revoked_after_the_next_refresh() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    // Tokens that expire at once, so the next use refreshes.
    ctx.google.set_expires_in(0);
    connect(&ctx, alice, "gmail").await;
    let first = ctx
        .app
        .services
        .google
        .access_token(alice, omnicrm_domain::google::GoogleService::Gmail)
        .await
        .unwrap();
    assert!(first.starts_with("ya29."));
    assert_eq!(ctx.google.refreshes(), 1);
    ctx.google.revoke_all();
    let err = ctx
        .app
        .services
        .google
        .access_token(alice, omnicrm_domain::google::GoogleService::Gmail)
        .await
        .unwrap_err();
    assert!(matches!(err, omnicrm_services::google::TokenError::Revoked));
    let status: Value = ctx
        .app
        .as_user(alice)
        .get("/api/v1/google/status")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(status["services"][0]["revoked"], true);
    assert_eq!(status["services"][0]["connected"], false);
    assert_eq!(status["services"][0]["lastError"], "invalid_grant");
    // A reconnect clears it.
    connect(&ctx, alice, "gmail").await;
    let status: Value = ctx
        .app
        .as_user(alice)
        .get("/api/v1/google/status")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(status["services"][0]["revoked"], false);
    assert_eq!(status["services"][0]["connected"], true);
}

#[tokio::test]
async fn a_failing_token_endpoint_is_reported_but_does_not_revoke() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    ctx.google.set_expires_in(0);
    connect(&ctx, alice, "gmail").await;
    ctx.google.fail_token_requests(2, 503, Some(7));
    let err = ctx
        .app
        .services
        .google
        .access_token(alice, omnicrm_domain::google::GoogleService::Gmail)
        .await
        .unwrap_err();
    match err {
        omnicrm_services::google::TokenError::OAuth(e) => assert!(e.is_transient(), "{e}"),
        other => panic!("expected a transient OAuth error, got {other}"),
    }
    let status: Value = ctx
        .app
        .as_user(alice)
        .get("/api/v1/google/status")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(status["services"][0]["connected"], true);
    assert_eq!(status["services"][0]["revoked"], false);
    assert_eq!(status["services"][0]["lastError"], "internal_failure");
    // 429 next, then Google answers again: the token comes.
    ctx.google.fail_token_requests(1, 429, Some(1));
    assert!(
        ctx.app
            .services
            .google
            .access_token(alice, omnicrm_domain::google::GoogleService::Gmail)
            .await
            .is_err()
    );
    let token = ctx
        .app
        .services
        .google
        .access_token(alice, omnicrm_domain::google::GoogleService::Gmail)
        .await
        .unwrap();
    assert!(token.starts_with("ya29."));
}
