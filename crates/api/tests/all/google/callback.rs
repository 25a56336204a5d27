use omnicrm_testkit::TestApp;
use serde_json::Value;

use crate::common::google::{connect, follow_callback, query_param, setup, start_connect};

const APP_URL: &str = "https://app.example.test/settings/integrations";

#[tokio::test]
async fn a_consent_connects_the_service_and_redirects_to_the_app() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let done = connect(&ctx, alice, "gmail").await;
    assert_eq!(done, format!("{APP_URL}?connected=gmail"));
    let status: Value = ctx
        .app
        .as_user(alice)
        .get("/api/v1/google/status")
        .await
        .ok_json(reqwest::StatusCode::OK);
    let gmail = &status["services"][0];
    assert_eq!(gmail["service"], "gmail");
    assert_eq!(gmail["connected"], true);
    assert_eq!(gmail["email"], "practitioner@example.com");
}

#[tokio::test]
async fn a_replayed_state_connects_nothing() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let consent = start_connect(&ctx.app, alice, "gmail").await;
    let callback = ctx.google.consent(&consent).await;
    assert_eq!(
        follow_callback(&callback).await,
        format!("{APP_URL}?connected=gmail")
    );
    // The same state again, even with a fresh code for it: refused.
    let again = ctx.google.consent(&consent).await;
    assert_eq!(
        query_param(&follow_callback(&again).await, "error").unwrap(),
        "invalid_state"
    );
}

#[tokio::test]
async fn a_forged_state_connects_nothing() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let consent = start_connect(&ctx.app, alice, "gmail").await;
    let callback = ctx.google.consent(&consent).await;
    let state = query_param(&callback, "state").unwrap();
    // Tamper with the signed part: another user, service or expiry cannot be claimed.
    let mut forged = state.clone().into_bytes();
    forged[5] = if forged[5] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let tampered = callback.replace(&state, &forged);
    assert_eq!(
        query_param(&follow_callback(&tampered).await, "error").unwrap(),
        "invalid_state"
    );
    // A made-up state and no state at all: same.
    let base = format!("{}/api/v1/google/callback", ctx.app.base_url);
    for url in [
        format!("{base}?state=abc.def&code=x"),
        format!("{base}?code=x"),
    ] {
        assert_eq!(
            query_param(&follow_callback(&url).await, "error").unwrap(),
            "invalid_state"
        );
    }
    let status: Value = ctx
        .app
        .as_user(alice)
        .get("/api/v1/google/status")
        .await
        .ok_json(reqwest::StatusCode::OK);
    assert_eq!(status["services"][0]["connected"], false);
    // The genuine state still works afterwards (forgeries did not spend it).
    assert_eq!(
        follow_callback(&callback).await,
        format!("{APP_URL}?connected=gmail")
    );
}

#[tokio::test]
async fn an_expired_state_connects_nothing() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let consent = start_connect(&ctx.app, alice, "calendar").await;
    let callback = ctx.google.consent(&consent).await;
    // Ten minutes pass: the pending row expires (the signed expiry is checked too).
    let owner = ctx.db.owner().await.unwrap();
    owner
        .execute(
            "UPDATE google_oauth_states SET expires_at = now() - interval '1 second'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        query_param(&follow_callback(&callback).await, "error").unwrap(),
        "state_expired"
    );
    let status: Value = ctx
        .app
        .as_user(alice)
        .get("/api/v1/google/status")
        .await
        .ok_json(reqwest::StatusCode::OK);
    assert_eq!(status["services"][1]["connected"], false);
}

#[tokio::test]
async fn a_refused_consent_redirects_with_access_denied() {
    let ctx = setup().await;
    ctx.google.deny_consent(true);
    let done = connect(&ctx, TestApp::new_user(), "gmail").await;
    assert_eq!(done, format!("{APP_URL}?error=access_denied"));
}
