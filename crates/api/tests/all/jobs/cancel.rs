//! `POST /api/v1/jobs/{id}/cancel`.

use crate::common::jobs::*;
use crate::common::{problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_queued_jobs_flags_running_ones_and_refuses_finished_ones() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let job = queued(&ctx, alice, "sync", None, 1).await;
    let (status, body) = json_of(
        &ctx,
        alice,
        Method::POST,
        &format!("/api/v1/jobs/{job}/cancel"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "cancelled");
    assert!(body["finishedAt"].is_string());
    let (_, again) = json_of(&ctx, alice, Method::GET, &format!("/api/v1/jobs/{job}")).await;
    assert_eq!(again["state"], "cancelled");
    // Cancelling it again: it has finished.
    problem(
        ctx.send(
            alice,
            Method::POST,
            &format!("/api/v1/jobs/{job}/cancel"),
            Some(json!({})),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;

    let run = running(&ctx, alice, "sync").await;
    let (status, body) = json_of(
        &ctx,
        alice,
        Method::POST,
        &format!("/api/v1/jobs/{run}/cancel"),
    )
    .await;
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
    problem(
        ctx.send(
            alice,
            Method::POST,
            &format!("/api/v1/jobs/{done}/cancel"),
            None,
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
}
