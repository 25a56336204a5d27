//! `POST /api/v1/jobs/runner`.

use crate::common::jobs::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_answers_counts_and_validates_its_optional_body() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let as_alice = ctx.app.as_user(alice);
    let bob = TestApp::new_user();
    // Alice's runner runs Alice's due jobs only: a registered kind succeeds, a kind no
    // handler knows dies at once, and Bob's job is left for Bob.
    let orphan = queued(&ctx, alice, "no.such.kind", None, 1).await;
    let echo = queued(&ctx, alice, "diagnostics.echo", None, 2).await;
    let bobs = queued(&ctx, bob, "diagnostics.echo", None, 3).await;
    let res = as_alice.post("/api/v1/jobs/runner").await;
    assert_eq!(res.status(), StatusCode::OK);
    let summary: Value = res.json();
    assert_eq!(
        summary,
        json!({"processed": 2, "succeeded": 1, "failed": 1})
    );
    let job: Value = as_alice.get(&format!("/api/v1/jobs/{orphan}")).await.json();
    assert_eq!(job["state"], "dead");
    let job: Value = as_alice.get(&format!("/api/v1/jobs/{echo}")).await.json();
    assert_eq!(job["state"], "succeeded");
    let job: Value = ctx
        .app
        .as_user(bob)
        .get(&format!("/api/v1/jobs/{bobs}"))
        .await
        .json();
    assert_eq!(job["state"], "queued");

    let zero = json!({"processed": 0, "succeeded": 0, "failed": 0});
    for body in [None, Some(json!({})), Some(json!({"limit": 50}))] {
        let res = as_alice
            .send_json(Method::POST, "/api/v1/jobs/runner", body.as_ref())
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.json::<Value>(),
            zero,
            "nothing of Alice's is left to run"
        );
    }

    for bad in [
        json!({"limit": 0}),
        json!({"limit": 51}),
        json!({"limit": "x"}),
    ] {
        let body = as_alice
            .post_json("/api/v1/jobs/runner", &bad)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&body), vec!["/limit"]);
    }
    as_alice
        .post_json("/api/v1/jobs/runner", &json!({"limt": 5}))
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    let res = ctx.app.anonymous().post("/api/v1/jobs/runner").await;
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}
