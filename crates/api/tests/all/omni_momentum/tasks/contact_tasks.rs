//! `GET /contacts/{id}/tasks`: the open tasks about a contact.

use crate::common::setup;
use crate::common::tasks::*;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_lists_its_open_tasks_soonest_first() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let (ann, ben) = (
        contact_id(&alice, "Ann").await,
        contact_id(&alice, "Ben").await,
    );
    for (name, status, due, contacts) in [
        ("later", "todo", json!("2027-02-01"), json!([ann])),
        (
            "sooner",
            "in_progress",
            json!("2027-01-01"),
            json!([ann, ben]),
        ),
        ("undated", "todo", json!(null), json!([ann])),
        ("finished", "done", json!("2026-01-01"), json!([ann])),
        ("ben only", "todo", json!(null), json!([ben])),
    ] {
        create_task(
            &alice,
            json!({"name": name, "status": status, "dueDate": due, "contactIds": contacts}),
        )
        .await;
    }
    let path = format!("/api/v1/contacts/{ann}/tasks");
    assert_eq!(names(&alice, &path).await, ["sooner", "later", "undated"]);
    bob.get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    alice
        .get("/api/v1/contacts/not-a-uuid/tasks")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");

    // Deleting the contact unlinks its tasks; the tasks stay.
    alice
        .delete(&format!("/api/v1/contacts/{ann}"))
        .await
        .expect(StatusCode::NO_CONTENT);
    let sooner = alice
        .get(&format!("{TASKS}?search=sooner"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(sooner["items"][0]["contactIds"], json!([ben]));
}
