//! Another user's pulse entries are out of reach.

use crate::common::pulse::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_entries_are_out_of_reach() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let entry = log_day(&alice, "2026-03-01", ratings(2.0, 2.0, 2.0)).await;
    let path = format!("{PULSE}/{}", entry["id"].as_str().unwrap());
    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({"details": {"mood": 5}}))),
        (Method::DELETE, None),
    ] {
        bob.send_json(method, &path, body.as_ref())
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
    }
    // Bob's own entry for the same day is his own day.
    log_day(&bob, "2026-03-01", ratings(4.0, 4.0, 4.0)).await;
    let list = bob.get(PULSE).await.ok_json(StatusCode::OK);
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(list["items"][0]["details"]["mood"], 4.0);
    let hers = alice.get(&path).await.ok_json(StatusCode::OK);
    assert_eq!(hers["details"]["mood"], 2.0);
}
