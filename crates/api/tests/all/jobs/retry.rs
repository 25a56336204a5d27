//! `POST /api/v1/jobs/{id}/retry`.

use crate::common::jobs::*;
use crate::common::{problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_redrives_dead_jobs_keeping_errors_and_refuses_others() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let dead = finished(&ctx, alice, "sync", "dead", None, 60).await;
    let (status, body) = json_of(
        &ctx,
        alice,
        Method::POST,
        &format!("/api/v1/jobs/{dead}/retry"),
    )
    .await;
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
    problem(
        ctx.send(
            alice,
            Method::POST,
            &format!("/api/v1/jobs/{dead}/retry"),
            Some(json!({})),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let ok = finished(&ctx, alice, "sync", "succeeded", None, 1).await;
    problem(
        ctx.send(
            alice,
            Method::POST,
            &format!("/api/v1/jobs/{ok}/retry"),
            None,
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let (_, still) = json_of(&ctx, alice, Method::GET, &format!("/api/v1/jobs/{ok}")).await;
    assert_eq!(still["state"], "succeeded");
    problem(
        ctx.send(
            alice,
            Method::POST,
            &format!("/api/v1/jobs/{}/retry", Uuid::now_v7()),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
