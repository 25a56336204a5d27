//! `POST /api/v1/cron/process-jobs`.

use crate::common::{problem, setup};
use omnicrm_testkit::{TEST_CRON_SECRET, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cron_drain_takes_the_cron_secret() {
    let ctx = setup().await;
    let url = ctx.app.url("/api/v1/cron/process-jobs");
    let res = ctx.app.http.post(&url).send().await.unwrap();
    assert_eq!(
        res.headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let res = ctx
        .app
        .http
        .post(&url)
        .bearer_auth("not-the-secret")
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    // A user's access token is not the cron secret either.
    let res = ctx
        .app
        .http
        .post(&url)
        .bearer_auth(TestApp::token(TestApp::new_user()))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::FORBIDDEN, "forbidden").await;

    let res = ctx
        .app
        .http
        .post(&url)
        .bearer_auth(TEST_CRON_SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"processed": 0, "succeeded": 0, "failed": 0})
    );
    let res = ctx
        .app
        .http
        .post(&url)
        .bearer_auth(TEST_CRON_SECRET)
        .json(&json!({"limit": 500}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = ctx
        .app
        .http
        .post(&url)
        .bearer_auth(TEST_CRON_SECRET)
        .json(&json!({"limit": 501}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
}
