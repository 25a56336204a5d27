//! Another user's jobs are not found, listed or counted.

use crate::common::jobs::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_jobs_are_not_found_and_never_listed_or_counted() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let as_bob = ctx.app.as_user(bob);
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
        as_bob
            .send_json(method, &path, None)
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
    }
    let res = as_bob.get("/api/v1/jobs").await;
    let status = res.status();
    let list: Value = res.json();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list, json!({"items": []}));
    let list: Value = as_bob
        .get(&format!("/api/v1/jobs?batchId={batch}"))
        .await
        .json();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0));

    // Still untouched for Alice.
    let res = as_alice.get(&format!("/api/v1/jobs/{job}")).await;
    let status = res.status();
    let mine: Value = res.json();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["state"], "queued");
    assert_eq!(mine["userId"], alice.to_string());
    assert_eq!(mine["maxAttempts"], 5);
    assert_eq!(mine["payload"], json!({"n": 1}));
    assert!(mine["createdAt"].as_str().unwrap().ends_with('Z'));
    let mine: Value = as_alice.get(&format!("/api/v1/jobs/{dead}")).await.json();
    assert_eq!(mine["state"], "dead");
}
