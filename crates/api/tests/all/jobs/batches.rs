//! `GET /api/v1/jobs/batches/{id}`.

use crate::common::jobs::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_counts_cover_only_the_callers_jobs() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let batch = Uuid::now_v7();
    queued(&ctx, alice, "import", Some(batch), 3).await;
    queued(&ctx, alice, "import", Some(batch), 2).await;
    finished(&ctx, alice, "import", "succeeded", Some(batch), 2).await;
    finished(&ctx, alice, "import", "dead", Some(batch), 2).await;
    finished(&ctx, alice, "import", "cancelled", Some(batch), 2).await;
    queued(&ctx, alice, "import", None, 1).await;
    queued(&ctx, bob, "import", Some(batch), 1).await;

    let res = as_alice.get(&format!("/api/v1/jobs/batches/{batch}")).await;

    let status = res.status();

    let counts: Value = res.json();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        counts,
        json!({"batchId": batch.to_string(), "queued": 2, "running": 0, "succeeded": 1,
               "cancelled": 1, "dead": 1, "total": 5})
    );
    let bobs: Value = ctx
        .app
        .as_user(bob)
        .get(&format!("/api/v1/jobs/batches/{batch}"))
        .await
        .json();
    assert_eq!(bobs["total"], 1);
    as_alice
        .get(&format!("/api/v1/jobs/batches/{}", Uuid::now_v7()))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
