//! `POST /api/v1/jobs/runner`.

use crate::common::jobs::*;
use crate::common::{pointers, problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_answers_counts_and_validates_its_optional_body() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let bob = TestApp::new_user();
    // Alice's runner runs Alice's due jobs only: a registered kind succeeds, a kind no
    // handler knows dies at once, and Bob's job is left for Bob.
    let orphan = queued(&ctx, alice, "no.such.kind", None, 1).await;
    let echo = queued(&ctx, alice, "diagnostics.echo", None, 2).await;
    let bobs = queued(&ctx, bob, "diagnostics.echo", None, 3).await;
    let res = ctx
        .send(alice, Method::POST, "/api/v1/jobs/runner", None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let summary: Value = res.json().await.unwrap();
    assert_eq!(
        summary,
        json!({"processed": 2, "succeeded": 1, "failed": 1})
    );
    let (_, job) = json_of(&ctx, alice, Method::GET, &format!("/api/v1/jobs/{orphan}")).await;
    assert_eq!(job["state"], "dead");
    let (_, job) = json_of(&ctx, alice, Method::GET, &format!("/api/v1/jobs/{echo}")).await;
    assert_eq!(job["state"], "succeeded");
    let (_, job) = json_of(&ctx, bob, Method::GET, &format!("/api/v1/jobs/{bobs}")).await;
    assert_eq!(job["state"], "queued");

    let zero = json!({"processed": 0, "succeeded": 0, "failed": 0});
    for body in [None, Some(json!({})), Some(json!({"limit": 50}))] {
        let res = ctx
            .send(alice, Method::POST, "/api/v1/jobs/runner", body)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.json::<Value>().await.unwrap(),
            zero,
            "nothing of Alice's is left to run"
        );
    }

    for bad in [
        json!({"limit": 0}),
        json!({"limit": 51}),
        json!({"limit": "x"}),
    ] {
        let body = problem(
            ctx.send(alice, Method::POST, "/api/v1/jobs/runner", Some(bad))
                .await,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&body), vec!["/limit"]);
    }
    problem(
        ctx.send(
            alice,
            Method::POST,
            "/api/v1/jobs/runner",
            Some(json!({"limt": 5})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    let res = ctx
        .app
        .http
        .post(ctx.app.url("/api/v1/jobs/runner"))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}
