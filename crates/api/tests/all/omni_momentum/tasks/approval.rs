//! Suggested tasks wait in `pending_approval` until approved or rejected.

use crate::common::setup;
use crate::common::tasks::*;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

const PENDING: &str = "/api/v1/omni-momentum/tasks/pending-approval";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suggestion_is_approved_with_edits_or_rejected_with_its_reason_kept() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let project = id_of(&create_project(&alice, json!({"name": "Launch"})).await);
    let first = id_of(
        &create_task(
            &alice,
            json!({"name": "Call venue", "status": "pending_approval", "dueDate": "2027-01-02"}),
        )
        .await,
    );
    let second = id_of(
        &create_task(
            &alice,
            json!({"name": "Buy crystals", "status": "pending_approval", "dueDate": "2027-01-01"}),
        )
        .await,
    );
    task_named(&alice, "Ordinary").await;
    assert_eq!(names(&alice, PENDING).await, ["Buy crystals", "Call venue"]);

    // While pending, its status moves only through approve or reject.
    alice
        .patch_json(&format!("{TASKS}/{first}"), &json!({"status": "done"}))
        .await
        .problem(StatusCode::CONFLICT, "conflict");

    let approved = alice
        .post_json(
            &format!("{TASKS}/{first}/approve"),
            &json!({"name": "Call the venue", "priority": "high", "projectId": project}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(approved["status"], "todo");
    assert_eq!(approved["name"], "Call the venue");
    assert_eq!(approved["priority"], "high");
    assert_eq!(approved["projectId"], project.as_str());
    alice
        .post(&format!("{TASKS}/{first}/approve"))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    alice
        .post(&format!("{TASKS}/{first}/reject"))
        .await
        .problem(StatusCode::CONFLICT, "conflict");

    let rejected = alice
        .post_json(
            &format!("{TASKS}/{second}/reject"),
            &json!({"reason": "not my business"}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(rejected["status"], "canceled");
    assert_eq!(rejected["rejectionReason"], "not my business");
    assert!(rejected["rejectedAt"].is_string());
    let kept = alice
        .get(&format!("{TASKS}/{second}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(kept["rejectionReason"], "not my business");
    assert_eq!(names(&alice, PENDING).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_bodies_are_optional_but_checked() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let pending = || create_task(&alice, json!({"name": "S", "status": "pending_approval"}));
    let id = id_of(&pending().await);
    alice
        .post_json(&format!("{TASKS}/{id}/approve"), &json!({"name": ""}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    alice
        .post_json(&format!("{TASKS}/{id}/approve"), &json!({"status": "done"}))
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    alice
        .post_json(
            &format!("{TASKS}/{id}/approve"),
            &json!({"zoneId": "00000000-0000-0000-0000-000000000001"}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    alice
        .post_json(
            &format!("{TASKS}/{id}/reject"),
            &json!({"reason": "a\u{0}b"}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    let approved = alice
        .post(&format!("{TASKS}/{id}/approve"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(approved["status"], "todo");
    let id = id_of(&pending().await);
    let rejected = alice
        .post_json(&format!("{TASKS}/{id}/reject"), &json!({}))
        .await
        .ok_json(StatusCode::OK);
    assert!(rejected["rejectionReason"].is_null());
    assert!(rejected["rejectedAt"].is_string());
}
