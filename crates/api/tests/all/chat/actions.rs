//! Pending actions: a write the model proposes with bad arguments is never offered; a
//! confirmed write that fails says why.

use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::ai::{ask, create_thread, setup};

#[tokio::test]
async fn a_write_with_invalid_arguments_is_a_failed_call_not_a_pending_action() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let thread = create_thread(&alice).await;
    ctx.fake
        .reply_tool_call("create_task", json!({ "name": "" }));
    ctx.fake.reply_tool_call("drop_database", json!({}));
    let reply = ask(&alice, &thread, "do it").await.ok_json(StatusCode::OK);
    let calls = reply["toolInvocations"].as_array().unwrap();
    assert_eq!(calls[0]["status"], "failed");
    assert_eq!(calls[1]["status"], "failed");
    assert_eq!(reply["pendingActions"], json!([]));
    let told = ctx.fake.requests()[1].1.to_string();
    assert!(told.contains("validation_failed"), "the model is told why");
}

#[tokio::test]
async fn a_confirmed_write_that_can_no_longer_run_fails_with_its_reason() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let contact: Value = alice
        .post_json("/api/v1/contacts", &json!({ "displayName": "Ada" }))
        .await
        .ok_json(StatusCode::CREATED);
    let cid = contact["id"].as_str().unwrap();
    let thread = create_thread(&alice).await;
    ctx.fake.reply_tool_call(
        "create_note",
        json!({ "contactId": cid, "contentPlain": "Prefers mornings" }),
    );
    let reply = ask(&alice, &thread, "note that")
        .await
        .ok_json(StatusCode::OK);
    let action = reply["pendingActions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    alice
        .delete(&format!("/api/v1/contacts/{cid}"))
        .await
        .expect(StatusCode::NO_CONTENT);
    let done = alice
        .post(&format!(
            "/api/v1/chat/threads/{thread}/actions/{action}/confirm"
        ))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(done["action"]["status"], "failed");
    assert!(done["error"].as_str().is_some());
}
