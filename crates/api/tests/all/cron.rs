//! `POST /api/v1/cron/process-jobs`.

use crate::common::setup;
use omnicrm_testkit::{TEST_CRON_SECRET, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cron_drain_takes_the_cron_secret() {
    let ctx = setup().await;
    let url = "/api/v1/cron/process-jobs";
    let res = ctx.app.anonymous().post(url).await;
    assert_eq!(res.header("www-authenticate"), Some("Bearer"));
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    ctx.app
        .with_bearer("not-the-secret")
        .post(url)
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    // A user's access token is not the cron secret either.
    ctx.app
        .as_user(TestApp::new_user())
        .post(url)
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");

    let cron = ctx.app.with_bearer(TEST_CRON_SECRET);
    let res = cron.post(url).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>(),
        json!({"processed": 0, "succeeded": 0, "failed": 0})
    );
    let res = cron.post_json(url, &json!({"limit": 500})).await;
    assert_eq!(res.status(), StatusCode::OK);
    cron.post_json(url, &json!({"limit": 501}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
}
