//! `POST /api/v1/jobs/{id}/retry`.

use crate::common::jobs::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_redrives_dead_jobs_keeping_errors_and_refuses_others() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let as_alice = ctx.app.as_user(alice);
    let dead = finished(&ctx, alice, "sync", "dead", None, 60).await;
    let res = as_alice.post(&format!("/api/v1/jobs/{dead}/retry")).await;
    let status = res.status();
    let body: Value = res.json();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "queued");
    assert_eq!(body["id"], dead.to_string());
    assert_eq!(body["attempts"], 0);
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        body["errors"][1]["code"], "failed",
        "a code, not the handler's text"
    );
    assert!(body["errors"][1].get("error").is_none());
    assert!(body["finishedAt"].is_null());
    // Now queued: retrying again is a conflict.
    as_alice
        .post_json(&format!("/api/v1/jobs/{dead}/retry"), &json!({}))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    let ok = finished(&ctx, alice, "sync", "succeeded", None, 1).await;
    as_alice
        .post(&format!("/api/v1/jobs/{ok}/retry"))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    let still: Value = as_alice.get(&format!("/api/v1/jobs/{ok}")).await.json();
    assert_eq!(still["state"], "succeeded");
    as_alice
        .post(&format!("/api/v1/jobs/{}/retry", Uuid::now_v7()))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
