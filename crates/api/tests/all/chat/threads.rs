//! Threads: create, list, get, rename, delete; only the owner reaches them.

use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::ai::{ask, create_thread, setup};

#[tokio::test]
async fn threads_are_created_listed_renamed_and_deleted_by_their_owner_only() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let untitled: Value = alice
        .post_json("/api/v1/chat/threads", &json!({}))
        .await
        .ok_json(StatusCode::CREATED);
    assert_eq!(untitled["title"], Value::Null);
    let id = create_thread(&alice).await;
    let list = alice
        .get("/api/v1/chat/threads")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(list["pagination"]["total"], 2);
    let path = format!("/api/v1/chat/threads/{id}");
    let renamed = alice
        .patch_json(&path, &json!({ "title": "Sleep clients" }))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(renamed["title"], "Sleep clients");
    alice
        .patch_json(&path, &json!({ "title": "" }))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");

    // Bob sees none of it.
    let bobs = bob
        .get("/api/v1/chat/threads")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(bobs["pagination"]["total"], 0);
    bob.get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    bob.patch_json(&path, &json!({ "title": "mine" }))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    ask(&bob, &id, "hello")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    bob.delete(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");

    ask(&alice, &id, "hello").await.expect(StatusCode::OK);
    let detail = alice.get(&path).await.ok_json(StatusCode::OK);
    let roles: Vec<&str> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant"]);
    assert_eq!(detail["messages"][1]["text"], "Hello from the fake model.");

    alice.delete(&path).await.expect(StatusCode::NO_CONTENT);
    alice
        .get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn an_overlong_message_is_refused_before_anything_is_sent() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let id = create_thread(&alice).await;
    ask(&alice, &id, &"a".repeat(4001))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(ctx.fake.calls(), 0);
}
