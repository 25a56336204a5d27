//! `/jobs` and `/cron/process-jobs`: tenancy, filters, cursor pagination, cancel, retry,
//! batches, the on-demand runner and the cron secret. Jobs are inserted with SQL as the
//! owner (there are no CRM job kinds yet).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{Ctx, pointers, problem, setup};
use omnicrm_domain::UserId;
use omnicrm_testkit::{TEST_CRON_SECRET, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

async fn sql(ctx: &Ctx, statement: &str) {
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(statement)
        .await
        .unwrap();
}

/// A queued job of `user`, created `age_secs` seconds ago.
async fn queued(ctx: &Ctx, user: UserId, kind: &str, batch: Option<Uuid>, age_secs: i64) -> Uuid {
    let id = Uuid::now_v7();
    let batch = batch.map_or("NULL".to_owned(), |b| format!("'{b}'"));
    sql(
        ctx,
        &format!(
            "INSERT INTO job_queue (id, kind, queue, user_id, payload, batch_id, created_at) \
             VALUES ('{id}', '{kind}', 'default', '{user}', '{{\"n\": 1}}', {batch}, \
             timestamptz '2025-06-01 00:00:00+00' - interval '{age_secs} seconds')"
        ),
    )
    .await;
    id
}

/// A running (leased) job of `user`.
async fn running(ctx: &Ctx, user: UserId, kind: &str) -> Uuid {
    let id = Uuid::now_v7();
    sql(
        ctx,
        &format!(
            "INSERT INTO job_queue (id, kind, queue, user_id, state, attempts, lease_owner, lease_token, \
             lease_expires_at) VALUES ('{id}', '{kind}', 'default', '{user}', 'running', 1, 'test', \
             gen_random_uuid(), now() + interval '1 hour')"
        ),
    )
    .await;
    id
}

/// A finished job (`succeeded`, `cancelled` or `dead`) of `user`.
async fn finished(
    ctx: &Ctx,
    user: UserId,
    kind: &str,
    state: &str,
    batch: Option<Uuid>,
    age_secs: i64,
) -> Uuid {
    let id = Uuid::now_v7();
    let batch = batch.map_or("NULL".to_owned(), |b| format!("'{b}'"));
    sql(
        ctx,
        &format!(
            "INSERT INTO job_history (id, kind, queue, user_id, payload, priority, state, attempts, \
             max_attempts, batch_id, errors, result, created_at) VALUES ('{id}', '{kind}', 'default', \
             '{user}', '{{}}', 0, '{state}', 5, 5, {batch}, \
             '[{{\"attempt\": 1, \"error\": \"boom\"}}, {{\"attempt\": 2, \"error\": \"boom again\"}}]', \
             NULL, timestamptz '2025-06-01 00:00:00+00' - interval '{age_secs} seconds')"
        ),
    )
    .await;
    id
}

async fn json_of(ctx: &Ctx, user: UserId, method: Method, path: &str) -> (StatusCode, Value) {
    let res = ctx.send(user, method, path, None).await;
    let status = res.status();
    (status, res.json().await.unwrap())
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect()
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_filters_and_paginates_without_duplicates_or_gaps() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let batch = Uuid::now_v7();
    let mut all = Vec::new();
    // Several jobs share a created_at so the id tie-break is exercised.
    for i in 0..4 {
        all.push(queued(&ctx, alice, "sync", None, 100).await);
        all.push(queued(&ctx, alice, "import", Some(batch), 50 + i).await);
    }
    all.push(finished(&ctx, alice, "sync", "succeeded", None, 100).await);
    all.push(finished(&ctx, alice, "import", "dead", Some(batch), 10).await);
    all.push(finished(&ctx, alice, "other", "cancelled", None, 1).await);
    all.push(running(&ctx, alice, "sync").await);
    queued(&ctx, bob, "sync", Some(batch), 1).await;

    // Walk every page of 3.
    let mut seen = Vec::new();
    let mut path = "/api/v1/jobs?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let (status, page) = json_of(&ctx, alice, Method::GET, &path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = ids(&page);
        assert!(items.len() <= 3);
        seen.extend(items);
        pages += 1;
        match page.get("nextCursor").and_then(Value::as_str) {
            Some(cursor) => path = format!("/api/v1/jobs?limit=3&cursor={cursor}"),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "duplicates across pages");
    let mut expected: Vec<String> = all.iter().map(Uuid::to_string).collect();
    expected.sort();
    assert_eq!(unique, expected, "gaps or foreign jobs");
    // Newest first: the same order as one big page.
    let (_, one) = json_of(&ctx, alice, Method::GET, "/api/v1/jobs?limit=200").await;
    assert_eq!(ids(&one), seen);
    assert!(one.get("nextCursor").is_none());
    // An exact multiple of the page size ends without an empty extra page.
    let (_, twelve) = json_of(&ctx, alice, Method::GET, "/api/v1/jobs?limit=12").await;
    assert_eq!(ids(&twelve).len(), 12);
    assert!(twelve.get("nextCursor").is_none());

    let count = |page: &Value| page["items"].as_array().map_or(0, Vec::len);
    let (_, by_kind) = json_of(&ctx, alice, Method::GET, "/api/v1/jobs?kind=sync").await;
    assert_eq!(count(&by_kind), 6);
    assert!(
        by_kind["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["kind"] == "sync")
    );
    let (_, kinds) = json_of(
        &ctx,
        alice,
        Method::GET,
        "/api/v1/jobs?kind=sync&kind=other",
    )
    .await;
    assert_eq!(count(&kinds), 7);
    let (_, states) = json_of(
        &ctx,
        alice,
        Method::GET,
        "/api/v1/jobs?state=dead&state=running",
    )
    .await;
    assert_eq!(count(&states), 2);
    let (_, queued_only) = json_of(&ctx, alice, Method::GET, "/api/v1/jobs?state=queued").await;
    assert_eq!(count(&queued_only), 8);
    let (_, in_batch) = json_of(
        &ctx,
        alice,
        Method::GET,
        &format!("/api/v1/jobs?batchId={batch}&state=queued&kind=import"),
    )
    .await;
    assert_eq!(count(&in_batch), 4);

    let body = problem(
        ctx.send(alice, Method::GET, "/api/v1/jobs?state=paused", None)
            .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert!(pointers(&body)[0].starts_with("/state"), "{body}");
    // Garbage, and `<nanos>:<uuid>` for about 5300 BC (`time` parses it; PostgreSQL cannot).
    for cursor in [
        "bm9wZQ",
        "LTIzMDAwMDAwMDAwMDAwMDAwMDAwMDowMTkzYTBjNC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA",
    ] {
        let path = format!("/api/v1/jobs?cursor={cursor}");
        let body = problem(
            ctx.send(alice, Method::GET, &path, None).await,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&body), vec!["/cursor"]);
    }
    for bad in ["limit=0", "limit=201", "batchId=nope"] {
        problem(
            ctx.send(alice, Method::GET, &format!("/api/v1/jobs?{bad}"), None)
                .await,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        )
        .await;
    }
    problem(
        ctx.send(alice, Method::GET, "/api/v1/jobs?colour=red", None)
            .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_counts_cover_only_the_callers_jobs() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let batch = Uuid::now_v7();
    queued(&ctx, alice, "import", Some(batch), 3).await;
    queued(&ctx, alice, "import", Some(batch), 2).await;
    finished(&ctx, alice, "import", "succeeded", Some(batch), 2).await;
    finished(&ctx, alice, "import", "dead", Some(batch), 2).await;
    finished(&ctx, alice, "import", "cancelled", Some(batch), 2).await;
    queued(&ctx, alice, "import", None, 1).await;
    queued(&ctx, bob, "import", Some(batch), 1).await;

    let (status, counts) = json_of(
        &ctx,
        alice,
        Method::GET,
        &format!("/api/v1/jobs/batches/{batch}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        counts,
        json!({"batchId": batch.to_string(), "queued": 2, "running": 0, "succeeded": 1,
               "cancelled": 1, "dead": 1, "total": 5})
    );
    let (_, bobs) = json_of(
        &ctx,
        bob,
        Method::GET,
        &format!("/api/v1/jobs/batches/{batch}"),
    )
    .await;
    assert_eq!(bobs["total"], 1);
    problem(
        ctx.send(
            alice,
            Method::GET,
            &format!("/api/v1/jobs/batches/{}", Uuid::now_v7()),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

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
