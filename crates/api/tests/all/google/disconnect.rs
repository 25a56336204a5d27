use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::google::{connect, setup};

#[tokio::test]
async fn disconnect_revokes_at_google_and_deletes_the_tokens() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    connect(&ctx, alice, "gmail").await;
    let requester = ctx.app.as_user(alice);
    // Bob cannot disconnect Alice's Gmail: he has none.
    ctx.app
        .as_user(TestApp::new_user())
        .delete("/api/v1/google/gmail")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    requester
        .delete("/api/v1/google/gmail")
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(ctx.google.revocations(), 1);
    let rows: i64 = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM user_integrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0);
    let status: Value = requester
        .get("/api/v1/google/status")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(status["services"][0]["connected"], false);
    requester
        .delete("/api/v1/google/gmail")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn forgetting_a_user_revokes_every_grant_and_leaves_no_token() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let bob = TestApp::new_user();
    connect(&ctx, alice, "gmail").await;
    connect(&ctx, alice, "calendar").await;
    connect(&ctx, bob, "gmail").await;
    let removed = ctx.app.services.google.forget_user(alice).await.unwrap();
    assert_eq!(removed, 2);
    assert_eq!(ctx.google.revocations(), 2);
    let owner = ctx.db.owner().await.unwrap();
    let left: Vec<String> = owner
        .query("SELECT user_id::text FROM user_integrations", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(left, vec![bob.to_string()]);
    // Again: nothing left to do.
    assert_eq!(ctx.app.services.google.forget_user(alice).await.unwrap(), 0);
}

#[tokio::test]
async fn erasing_a_user_revokes_their_grants_at_google_and_says_so_in_the_receipt() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let bob = TestApp::new_user();
    connect(&ctx, alice, "gmail").await;
    connect(&ctx, alice, "calendar").await;
    connect(&ctx, bob, "gmail").await;
    let receipt: Value = ctx
        .app
        .as_user(alice)
        .send_json(
            reqwest::Method::DELETE,
            "/api/v1/user",
            Some(&serde_json::json!({
                "confirmation": "DELETE MY DATA",
                "acknowledgeIrreversible": true
            })),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(ctx.google.revocations(), 2);
    let step = receipt["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["name"] == "google-grants"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(step["outcome"], "succeeded", "{receipt}");
    assert_eq!(step["removed"], 2, "{receipt}");
    let owners: Vec<String> = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query("SELECT user_id::text FROM user_integrations", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(owners, vec![bob.to_string()]);
}
