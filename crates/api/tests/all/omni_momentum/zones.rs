//! `GET /omni-momentum/zones`: the shared zones, with the caller's own figures.

use crate::common::setup;
use crate::common::tasks::*;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

const ZONES: &str = "/api/v1/omni-momentum/zones";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zones_are_listed_by_name_and_count_only_the_callers_work_when_asked() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());

    let plain = alice.get(ZONES).await.ok_json(StatusCode::OK);
    assert_eq!(plain["total"], 6);
    let names: Vec<&str> = plain["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    assert!(plain["items"][0].get("stats").is_none());

    create_project(&alice, json!({"name": "Launch", "zoneId": SELF_CARE})).await;
    create_project(
        &alice,
        json!({"name": "Old", "zoneId": SELF_CARE, "status": "completed"}),
    )
    .await;
    create_task(&alice, json!({"name": "Open", "zoneId": SELF_CARE})).await;
    create_task(
        &alice,
        json!({"name": "Done", "zoneId": SELF_CARE, "status": "done"}),
    )
    .await;
    create_task(&bob, json!({"name": "Bob's", "zoneId": SELF_CARE})).await;

    let with = alice
        .get(&format!("{ZONES}?withStats=true"))
        .await
        .ok_json(StatusCode::OK);
    let zone = |id: &str| {
        with["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|z| z["id"] == id)
            .unwrap()
            .clone()
    };
    let self_care = zone(SELF_CARE);
    assert_eq!(self_care["name"], "Self Care");
    let stats = &self_care["stats"];
    assert_eq!(stats["activeProjects"], 1);
    assert_eq!(stats["completedProjects"], 1);
    assert_eq!(stats["activeTasks"], 1);
    assert_eq!(stats["completedTasks"], 1);
    assert_eq!(stats["totalItems"], 4);
    assert!(stats["lastActivity"].is_string());
    let empty = zone(CLIENT_CARE);
    assert_eq!(empty["stats"]["totalItems"], 0);
    assert!(empty["stats"]["lastActivity"].is_null());

    alice
        .get(&format!("{ZONES}?withStats=maybe"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
}
