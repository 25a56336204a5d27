//! `/omni-momentum/projects`: CRUD, filters, progress and a project's tasks.

use crate::common::setup;
use crate::common::tasks::*;
use omnicrm_testkit::{TestApp, pointers};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_is_created_read_changed_and_deleted_with_its_tasks() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let res = alice
        .post_json(
            PROJECTS,
            &json!({"name": " Launch ", "dueDate": "2027-01-31", "zoneId": SELF_CARE,
                    "details": {"budget": 100}}),
        )
        .await;
    let location = res.header("location").unwrap().to_owned();
    let project = res.ok_json(StatusCode::CREATED);
    let id = id_of(&project);
    assert_eq!(location, format!("{PROJECTS}/{id}"));
    assert_eq!(project["name"], "Launch");
    assert_eq!(project["status"], "active");
    assert_eq!(project["dueDate"], "2027-01-31");
    assert_eq!(project["details"]["budget"], 100);
    assert_eq!(project["progress"]["totalTasks"], 0);

    let changed = alice
        .patch_json(
            &location,
            &json!({"status": "on_hold", "dueDate": null, "zoneId": null}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(changed["status"], "on_hold");
    assert!(changed["dueDate"].is_null());
    assert!(changed["zoneId"].is_null());
    assert_eq!(changed["name"], "Launch");

    let task = create_task(&alice, json!({"name": "Step", "projectId": id})).await;
    alice.delete(&location).await.expect(StatusCode::NO_CONTENT);
    alice
        .get(&location)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    alice
        .get(&format!("{TASKS}/{}", id_of(&task)))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_input_is_checked() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bad = alice
        .post_json(
            PROJECTS,
            &json!({"name": " ", "zoneId": "00000000-0000-0000-0000-000000000001"}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&bad), ["/name"]);
    let bad = alice
        .post_json(
            PROJECTS,
            &json!({"name": "X", "zoneId": "00000000-0000-0000-0000-000000000001"}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&bad), ["/zoneId"]);
    alice
        .post_json(PROJECTS, &json!({"name": "X", "status": "on-hold"}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    let id = id_of(&create_project(&alice, json!({"name": "X"})).await);
    alice
        .patch_json(&format!("{PROJECTS}/{id}"), &json!({"name": null}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_filter_by_status_zone_due_range_and_name() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    for (name, status, due, zone) in [
        ("Website", "active", "2027-01-10", SELF_CARE),
        ("Retreat", "on_hold", "2027-02-10", CLIENT_CARE),
        ("Taxes", "completed", "2027-03-10", SELF_CARE),
    ] {
        create_project(
            &alice,
            json!({"name": name, "status": status, "dueDate": due, "zoneId": zone}),
        )
        .await;
    }
    let list = |q: &str| {
        let (alice, path) = (&alice, format!("{PROJECTS}?{q}"));
        async move { names(alice, &path).await }
    };
    assert_eq!(
        list("status=active&status=on_hold").await,
        ["Retreat", "Website"]
    );
    assert_eq!(
        list(&format!("zoneId={SELF_CARE}")).await,
        ["Taxes", "Website"]
    );
    assert_eq!(
        list("dueAfter=2027-02-10&dueBefore=2027-03-10").await,
        ["Taxes", "Retreat"]
    );
    assert_eq!(list("search=TREA").await, ["Retreat"]);
    alice
        .get(&format!("{PROJECTS}?status=paused"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_the_share_of_counted_tasks_done_and_the_project_lists_its_tasks() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let id = id_of(&create_project(&alice, json!({"name": "Launch"})).await);
    for (name, status, due) in [
        ("b", "done", "2027-01-02"),
        ("a", "todo", "2027-01-01"),
        ("c", "in_progress", "2027-01-03"),
        ("dropped", "canceled", "2027-01-04"),
        ("suggested", "pending_approval", "2027-01-05"),
    ] {
        create_task(
            &alice,
            json!({"name": name, "status": status, "dueDate": due, "projectId": id}),
        )
        .await;
    }
    create_task(&alice, json!({"name": "elsewhere"})).await;
    let project = alice
        .get(&format!("{PROJECTS}/{id}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(project["progress"]["totalTasks"], 3);
    assert_eq!(project["progress"]["doneTasks"], 1);
    let ratio = project["progress"]["ratio"].as_f64().unwrap();
    assert!((ratio - 1.0 / 3.0).abs() < 1e-9, "{ratio}");
    let listed = alice.get(PROJECTS).await.ok_json(StatusCode::OK);
    assert_eq!(listed["items"][0]["progress"]["doneTasks"], 1);

    assert_eq!(
        names(&alice, &format!("{PROJECTS}/{id}/tasks")).await,
        ["a", "b", "c", "dropped"]
    );
    assert_eq!(
        names(&alice, &format!("{PROJECTS}/{id}/tasks?page=2&pageSize=3")).await,
        ["dropped"]
    );
}
