//! Create, read, change and delete a task; its tags, contacts and `completedAt`.

use crate::common::setup;
use crate::common::tasks::*;
use omnicrm_testkit::{TestApp, pointers};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_carries_its_project_zone_tags_and_contacts() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let project = id_of(&create_project(&alice, json!({"name": "Launch"})).await);
    let (urgent, calls) = (
        tag_id(&alice, "Urgent").await,
        tag_id(&alice, "Calls").await,
    );
    let ann = contact_id(&alice, "Ann").await;
    let res = alice
        .post_json(
            TASKS,
            &json!({"name": " Call Ann ", "priority": "high", "dueDate": "2027-01-05",
                    "projectId": project, "zoneId": CLIENT_CARE, "tagIds": [urgent, calls, urgent],
                    "contactIds": [ann], "details": {"description": "about the retreat",
                    "subtasks": [{"id": "x", "title": "smuggled", "completed": true}]}}),
        )
        .await;
    let location = res.header("location").unwrap().to_owned();
    let task = res.ok_json(StatusCode::CREATED);
    assert_eq!(location, format!("{TASKS}/{}", id_of(&task)));
    assert_eq!(task["name"], "Call Ann");
    assert_eq!(task["status"], "todo");
    assert_eq!(task["priority"], "high");
    assert_eq!(task["projectId"], project.as_str());
    assert_eq!(task["zoneId"], CLIENT_CARE);
    assert_eq!(task["contactIds"], json!([ann]));
    let tags: Vec<&str> = task["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["Calls", "Urgent"]);
    // The server keeps the subtasks: a client's `details.subtasks` is not taken.
    assert_eq!(task["details"], json!({"description": "about the retreat"}));
    assert_eq!(task["subtasks"], json!([]));
    assert!(task["completedAt"].is_null());
    assert_eq!(alice.get(&location).await.ok_json(StatusCode::OK), task);

    let changed = alice
        .patch_json(
            &location,
            &json!({"tagIds": [calls], "contactIds": null, "projectId": null, "dueDate": null}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(changed["tags"].as_array().unwrap().len(), 1);
    assert_eq!(changed["contactIds"], json!([]));
    assert!(changed["projectId"].is_null());
    assert!(changed["dueDate"].is_null());
    assert_eq!(changed["name"], "Call Ann");

    alice.delete(&location).await.expect(StatusCode::NO_CONTENT);
    alice
        .get(&location)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    alice
        .delete(&location)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completed_at_follows_the_status_both_ways() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let path = format!("{TASKS}/{}", task_named(&alice, "Walk").await);
    let done = alice
        .patch_json(&path, &json!({"status": "done"}))
        .await
        .ok_json(StatusCode::OK);
    let completed_at = done["completedAt"].as_str().unwrap().to_owned();
    // Staying done keeps the first completion time.
    let renamed = alice
        .patch_json(&path, &json!({"name": "Long walk"}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(renamed["completedAt"], completed_at.as_str());
    let reopened = alice
        .patch_json(&path, &json!({"status": "in_progress"}))
        .await
        .ok_json(StatusCode::OK);
    assert!(reopened["completedAt"].is_null());
    let created_done = create_task(&alice, json!({"name": "Already", "status": "done"})).await;
    assert!(created_done["completedAt"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_input_is_checked_and_points_at_the_bad_field() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let bobs_contact = contact_id(&bob, "Bea").await;
    let bobs_tag = tag_id(&bob, "Bob only").await;
    let bobs_project = id_of(&create_project(&bob, json!({"name": "Bob's"})).await);
    let bad = alice
        .post_json(
            TASKS,
            &json!({"name": "X", "tagIds": [bobs_tag], "contactIds": [bobs_contact],
                    "projectId": bobs_project, "zoneId": "00000000-0000-0000-0000-000000000001"}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    let mut found = pointers(&bad);
    found.sort();
    assert_eq!(
        found,
        ["/contactIds/0", "/projectId", "/tagIds/0", "/zoneId"]
    );
    for (body, pointer) in [
        (json!({"name": ""}), "/name"),
        (
            json!({"name": "X", "recurrence": "FREQ=HOURLY"}),
            "/recurrence",
        ),
        (json!({"name": "X", "priority": "urgent"}), "/priority"),
        (json!({"name": "X", "dueDate": "05/01/2027"}), "/dueDate"),
    ] {
        let bad = alice
            .post_json(TASKS, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        let mut found = pointers(&bad);
        found.dedup();
        assert_eq!(found, [pointer], "{body}");
    }
    let path = format!("{TASKS}/{}", task_named(&alice, "Mine").await);
    for body in [
        json!({"status": "pending_approval"}),
        json!({"status": null}),
        json!({"name": " "}),
    ] {
        alice
            .patch_json(&path, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
    }
    alice
        .patch_json(&path, &json!({"completedAt": null}))
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_and_projects_carry_etags_that_if_match_checks_and_subtasks_move() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let path = format!("{TASKS}/{}", task_named(&alice, "Versioned").await);
    let etag = alice.get(&path).await.header("etag").unwrap().to_owned();
    // A subtask change is a change of the task.
    alice
        .post_json(&format!("{path}/subtasks"), &json!({"title": "step"}))
        .await
        .expect(StatusCode::CREATED);
    alice
        .clone()
        .header("if-match", &etag)
        .patch_json(&path, &json!({"name": "Stale"}))
        .await
        .problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
    let fresh = alice.get(&path).await.header("etag").unwrap().to_owned();
    assert_ne!(fresh, etag);
    alice
        .clone()
        .header("if-match", &fresh)
        .patch_json(&path, &json!({"name": "Fresh"}))
        .await
        .expect(StatusCode::OK);
    let project = format!(
        "{PROJECTS}/{}",
        id_of(&create_project(&alice, json!({"name": "P"})).await)
    );
    let etag = alice.get(&project).await.header("etag").unwrap().to_owned();
    alice
        .clone()
        .header("if-match", &etag)
        .delete(&project)
        .await
        .expect(StatusCode::NO_CONTENT);
}
