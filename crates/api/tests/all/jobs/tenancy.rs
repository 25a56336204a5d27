//! Another user's jobs are not found, listed or counted.

use crate::common::jobs::*;
use crate::common::{problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_jobs_are_not_found_and_never_listed_or_counted() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let batch = Uuid::now_v7();
    let job = queued(&ctx, alice, "import", Some(batch), 5).await;
    let dead = finished(&ctx, alice, "import", "dead", Some(batch), 4).await;

    for (method, path) in [
        (Method::GET, format!("/api/v1/jobs/{job}")),
        (Method::POST, format!("/api/v1/jobs/{job}/cancel")),
        (Method::POST, format!("/api/v1/jobs/{dead}/retry")),
        (Method::GET, format!("/api/v1/jobs/batches/{batch}")),
        (Method::GET, "/api/v1/jobs/not-a-uuid".to_owned()),
    ] {
        problem(
            ctx.send(bob, method, &path, None).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let (status, list) = json_of(&ctx, bob, Method::GET, "/api/v1/jobs").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list, json!({"items": []}));
    let (_, list) = json_of(
        &ctx,
        bob,
        Method::GET,
        &format!("/api/v1/jobs?batchId={batch}"),
    )
    .await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0));

    // Still untouched for Alice.
    let (status, mine) = json_of(&ctx, alice, Method::GET, &format!("/api/v1/jobs/{job}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["state"], "queued");
    assert_eq!(mine["userId"], alice.to_string());
    assert_eq!(mine["maxAttempts"], 5);
    assert_eq!(mine["payload"], json!({"n": 1}));
    assert!(mine["createdAt"].as_str().unwrap().ends_with('Z'));
    let (_, mine) = json_of(&ctx, alice, Method::GET, &format!("/api/v1/jobs/{dead}")).await;
    assert_eq!(mine["state"], "dead");
}
