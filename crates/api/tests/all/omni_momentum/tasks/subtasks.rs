//! `/omni-momentum/tasks/{id}/subtasks`: ordered subtasks of a task.

use crate::common::setup;
use crate::common::tasks::*;
use omnicrm_testkit::{TestApp, pointers};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn titles(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subtasks_are_added_changed_removed_and_reordered_in_order() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let task = format!("{TASKS}/{}", task_named(&alice, "Retreat").await);
    let path = format!("{task}/subtasks");
    let mut ids = Vec::new();
    for title in ["Book venue", "Email clients", "Order food"] {
        let res = alice
            .post_json(&path, &json!({"title": title, "duration": "30m"}))
            .await;
        let location = res.header("location").unwrap().to_owned();
        let created = res.ok_json(StatusCode::CREATED);
        assert_eq!(created["completed"], false);
        assert_eq!(location, format!("{path}/{}", id_of(&created)));
        ids.push(id_of(&created));
    }
    let listed = alice.get(&path).await.ok_json(StatusCode::OK);
    assert_eq!(
        titles(&listed),
        ["Book venue", "Email clients", "Order food"]
    );

    let changed = alice
        .patch_json(
            &format!("{path}/{}", ids[1]),
            &json!({"completed": true, "duration": null, "title": "Email everyone"}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(changed["completed"], true);
    assert!(changed.get("duration").is_none());
    alice
        .delete(&format!("{path}/{}", ids[0]))
        .await
        .expect(StatusCode::NO_CONTENT);
    alice
        .delete(&format!("{path}/{}", ids[0]))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");

    let reordered = alice
        .post_json(
            &format!("{path}/reorder"),
            &json!({"ids": [ids[2], ids[1]]}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(titles(&reordered), ["Order food", "Email everyone"]);
    // The task shows them too, in the same order.
    let shown = alice.get(&task).await.ok_json(StatusCode::OK);
    assert_eq!(titles(&shown["subtasks"]), ["Order food", "Email everyone"]);

    for ids in [
        json!([ids[2]]),
        json!([ids[2], ids[1], ids[1]]),
        json!([ids[2], ids[0]]),
    ] {
        let bad = alice
            .post_json(&format!("{path}/reorder"), &json!({ "ids": ids }))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&bad), ["/ids"]);
    }
    alice
        .post_json(&path, &json!({"title": "  "}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    alice
        .patch_json(&format!("{path}/not-a-uuid"), &json!({"completed": true}))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_holds_at_most_a_hundred_subtasks() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let path = format!("{TASKS}/{}/subtasks", task_named(&alice, "Big").await);
    for n in 0..100 {
        alice
            .post_json(&path, &json!({ "title": format!("step {n}") }))
            .await
            .expect(StatusCode::CREATED);
    }
    alice
        .post_json(&path, &json!({"title": "one too many"}))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
}
