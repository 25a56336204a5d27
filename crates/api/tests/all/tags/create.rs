//! `POST /api/v1/tags` and the life of an own tag through `GET`, `PATCH` and `DELETE /api/v1/tags/{id}`; names unique per user.

use crate::common::setup;
use crate::common::tags::*;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_own_tag_is_created_read_changed_and_deleted() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let res = as_user.post_json("/api/v1/tags", &json!({"name": "  Morning people ", "category": "schedule_attendance", "color": "#ABCDEF"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json();
    assert_eq!(
        location,
        format!("/api/v1/tags/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["name"], "Morning people");
    assert_eq!(created["category"], "schedule_attendance");
    assert_eq!(created["color"], "#ABCDEF");
    assert_eq!(created["isSystem"], false);
    assert_eq!(created["templateId"], Value::Null);
    assert_eq!(created["usageCount"], 0);
    assert_eq!(
        as_user.get(&location).await.ok_json(StatusCode::OK),
        created
    );

    // Defaults: services_modalities and #a78bfa.
    let plain = as_user
        .post_json("/api/v1/tags", &json!({"name": "Plain"}))
        .await
        .ok_json(StatusCode::CREATED);
    assert_eq!(plain["category"], "services_modalities");
    assert_eq!(plain["color"], "#a78bfa");

    let changed = as_user
        .patch_json(
            &location,
            &json!({"name": "Early birds", "color": "#123456"}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(changed["name"], "Early birds");
    assert_eq!(changed["color"], "#123456");
    assert_eq!(changed["category"], "schedule_attendance");
    // An empty PATCH changes nothing.
    let same = as_user
        .patch_json(&location, &json!({}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(same, changed);

    let res = as_user.delete(&location).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    as_user
        .get(&location)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    as_user
        .delete(&location)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    as_user
        .patch_json(&location, &json!({"color": "#000000"}))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    as_user
        .get("/api/v1/tags/not-a-uuid")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_are_unique_per_user_ignoring_case_system_names_included() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    // A system tag's name is taken from the very first request on.
    as_alice
        .post_json("/api/v1/tags", &json!({"name": "yOGA"}))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    let focus = new_tag(&as_alice, "Focus").await;
    as_alice
        .post_json("/api/v1/tags", &json!({"name": " FOCUS "}))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    let other = new_tag(&as_alice, "Other").await;
    for taken in ["focus", "Reiki"] {
        as_alice
            .patch_json(&format!("/api/v1/tags/{other}"), &json!({ "name": taken }))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
    }
    // Renaming a tag to a different case of its own name is fine.
    let renamed = as_alice
        .patch_json(&format!("/api/v1/tags/{focus}"), &json!({"name": "FOCUS"}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(renamed["name"], "FOCUS");
    // Names are per user.
    new_tag(&ctx.app.as_user(bob), "Focus").await;
    assert_eq!(all_tags(&as_alice).await.len() as u64, SYSTEM_TAGS + 2);
}
