//! `POST /inbox/process` (tasks from the caller or the suggestion) and
//! `POST /inbox/intelligent` (suggestions awaiting approval).

use super::{INBOX, capture, item_path};
use crate::common::setup;
use crate::common::tasks::{TASKS, create_project, id_of};
use omnicrm_testkit::{TestApp, pointers};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processing_makes_the_suggested_tasks_once() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let item = capture(&alice, "- email Ana, urgent\n- order oils").await;
    let made = alice
        .post_json(&format!("{INBOX}/process"), &json!({"itemId": item["id"]}))
        .await
        .ok_json(StatusCode::OK);
    let tasks = made["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    assert!(tasks[0]["name"].as_str().unwrap().starts_with("email Ana"));
    assert_eq!(tasks[0]["priority"], "high");
    assert_eq!(tasks[0]["status"], "todo");
    assert_eq!(tasks[1]["name"], "order oils");
    assert_eq!(made["item"]["status"], "processed");
    assert!(made["item"]["processedAt"].is_string());
    assert_eq!(made["item"]["createdTaskId"], tasks[0]["id"]);
    assert_eq!(
        made["item"]["taskIds"],
        json!([tasks[0]["id"], tasks[1]["id"]])
    );
    let stored = alice
        .get(&format!("{TASKS}/{}", tasks[1]["id"].as_str().unwrap()))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(stored["name"], "order oils");

    // Twice is a conflict, and makes nothing more.
    alice
        .post_json(&format!("{INBOX}/process"), &json!({"itemId": item["id"]}))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    let list = alice.get(TASKS).await.ok_json(StatusCode::OK);
    assert_eq!(list["pagination"]["total"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processing_with_the_callers_tasks_checks_their_links() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let project = id_of(&create_project(&alice, json!({"name": "Studio"})).await);
    let bobs = id_of(&create_project(&bob, json!({"name": "Bob's"})).await);
    let item = capture(&alice, "studio stuff").await;
    let url = format!("{INBOX}/process");
    let p = alice
        .post_json(
            &url,
            &json!({"itemId": item["id"], "tasks": [
                {"name": "paint"},
                {"name": "floor", "projectId": bobs, "zoneId": "00000000-0000-0000-0000-000000000000"}
            ]}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&p), ["/tasks/1/projectId", "/tasks/1/zoneId"]);
    let unchanged = alice.get(&item_path(&item)).await.ok_json(StatusCode::OK);
    assert_eq!(unchanged["status"], "unprocessed");
    for (body, pointer) in [
        (json!({"itemId": item["id"], "tasks": []}), "/tasks"),
        (
            json!({"itemId": item["id"], "tasks": [{"name": " "}]}),
            "/tasks/0/name",
        ),
        (
            json!({"itemId": item["id"], "tasks": [{"name": "a", "priority": "urgent"}]}),
            "/tasks/0/priority",
        ),
        (json!({"itemId": "nope"}), "/itemId"),
    ] {
        let p = alice
            .post_json(&url, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), [pointer], "{body}");
    }

    let made = alice
        .post_json(
            &url,
            &json!({"itemId": item["id"], "tasks": [
                {"name": "paint the studio", "priority": "low", "dueDate": "2026-12-24", "projectId": project}
            ]}),
        )
        .await
        .ok_json(StatusCode::OK);
    let task = &made["tasks"][0];
    assert_eq!(task["name"], "paint the studio");
    assert_eq!(task["priority"], "low");
    assert_eq!(task["dueDate"], "2026-12-24");
    assert_eq!(task["projectId"], project);
    // Bob cannot process Alice's item.
    let other = capture(&alice, "hers").await;
    bob.post_json(&url, &json!({"itemId": other["id"]}))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intelligent_capture_files_each_line_as_a_suggestion_awaiting_approval() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let res = alice
        .post_json(
            &format!("{INBOX}/intelligent"),
            &json!({"rawText": "1. write newsletter\n2. invoice Ana someday"}),
        )
        .await;
    let location = res.header("location").map(str::to_owned);
    let made = res.ok_json(StatusCode::CREATED);
    assert_eq!(location, Some(item_path(&made["item"])));
    assert_eq!(made["item"]["status"], "processed");
    let tasks = made["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    assert!(tasks.iter().all(|t| t["status"] == "pending_approval"));
    assert_eq!(tasks[1]["priority"], "low");
    let pending = alice
        .get(&format!("{TASKS}/pending-approval"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(pending["pagination"]["total"], 2);
    // Approving one makes it a task to do.
    let approved = alice
        .post_json(
            &format!("{TASKS}/{}/approve", tasks[0]["id"].as_str().unwrap()),
            &json!({}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(approved["status"], "todo");
    alice
        .post_json(&format!("{INBOX}/intelligent"), &json!({"rawText": ""}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
}
