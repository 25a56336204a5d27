//! `POST /api/v1/jobs/{id}/cancel`.

use crate::common::jobs::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_queued_jobs_flags_running_ones_and_refuses_finished_ones() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let as_alice = ctx.app.as_user(alice);
    let job = queued(&ctx, alice, "sync", None, 1).await;
    let res = as_alice.post(&format!("/api/v1/jobs/{job}/cancel")).await;
    let status = res.status();
    let body: Value = res.json();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "cancelled");
    assert!(body["finishedAt"].is_string());
    let again: Value = as_alice.get(&format!("/api/v1/jobs/{job}")).await.json();
    assert_eq!(again["state"], "cancelled");
    // Cancelling it again: it has finished.
    as_alice
        .post_json(&format!("/api/v1/jobs/{job}/cancel"), &json!({}))
        .await
        .problem(StatusCode::CONFLICT, "conflict");

    let run = running(&ctx, alice, "sync").await;
    let res = as_alice.post(&format!("/api/v1/jobs/{run}/cancel")).await;
    let status = res.status();
    let body: Value = res.json();
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["state"], "running");
    let row = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query_one(
            &format!("SELECT cancel_requested FROM job_queue WHERE id = '{run}'"),
            &[],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0));

    let done = finished(&ctx, alice, "sync", "succeeded", None, 1).await;
    as_alice
        .post(&format!("/api/v1/jobs/{done}/cancel"))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
}
