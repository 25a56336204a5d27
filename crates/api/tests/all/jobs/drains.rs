//! HTTP drains (`POST /jobs/runner`, `POST /cron/process-jobs`) run detached from the
//! connection under heartbeated leases; only the cron drain does the global upkeep, and a
//! failing upkeep step never stops it from draining. Job views show failure codes, never a
//! handler's text; action bodies must be empty, `{}` or valid JSON.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_testkit::TestResponse;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use crate::common::Ctx;
use omnicrm_domain::UserId;
use omnicrm_jobs::{Job, JobContext, JobError};
use omnicrm_services::job_kinds::{JobsAppContext, registry};
use omnicrm_services::jobs::Registry;
use omnicrm_testkit::{TEST_CRON_SECRET, TestApp, TestAppOptions, TestDb};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

/// `(started, finished)` runs per job id, shared with the app (same process).
static EFFECTS: LazyLock<Mutex<HashMap<Uuid, (u32, u32)>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn effects(id: Uuid) -> (u32, u32) {
    EFFECTS
        .lock()
        .unwrap()
        .get(&id)
        .copied()
        .unwrap_or_default()
}

/// Works for `ms` milliseconds between recording its start and its effect.
#[derive(Serialize, Deserialize)]
struct Effect {
    ms: u64,
}

impl Job for Effect {
    const KIND: &'static str = "test.effect";
    type Context = JobsAppContext;
    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        EFFECTS.lock().unwrap().entry(ctx.job_id).or_default().0 += 1;
        tokio::time::sleep(Duration::from_millis(self.ms)).await;
        EFFECTS.lock().unwrap().entry(ctx.job_id).or_default().1 += 1;
        Ok(json!("done"))
    }
}

fn with_effect() -> Registry<JobsAppContext> {
    registry().register::<Effect>()
}

/// An app whose drains know `test.effect` and hold 1 s leases.
async fn setup() -> Ctx {
    let db = TestDb::new().await.expect("test database");
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            job_lease: Some(Duration::from_secs(1)),
            job_registry: Some(with_effect),
            ..TestAppOptions::default()
        },
    )
    .await;
    Ctx { db, app }
}

async fn sql(ctx: &Ctx, statement: &str) {
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(statement)
        .await
        .unwrap();
}

async fn enqueue(ctx: &Ctx, user: Option<UserId>, kind: &str, payload: Value) -> Uuid {
    let id = Uuid::now_v7();
    let user = user.map_or("NULL".to_owned(), |u| format!("'{u}'"));
    sql(
        ctx,
        &format!(
            "INSERT INTO job_queue (id, kind, queue, user_id, payload) \
             VALUES ('{id}', '{kind}', 'default', {user}, '{payload}')"
        ),
    )
    .await;
    id
}

/// `(state, attempts, errors)` of a job, from whichever table holds it.
async fn job_row(ctx: &Ctx, id: Uuid) -> (String, i32, Value) {
    let row = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query_one(
            "SELECT state, attempts, errors FROM job_queue WHERE id = $1 \
             UNION ALL SELECT state, attempts, errors FROM job_history WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

async fn cron_drain(ctx: &Ctx) -> TestResponse {
    ctx.app
        .with_bearer(TEST_CRON_SECRET)
        .post("/api/v1/cron/process-jobs")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drain_finishes_its_jobs_after_the_caller_hangs_up_and_heartbeats_keep_the_lease() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    // 3 s of work against a 1 s lease.
    let job = enqueue(&ctx, Some(alice), "test.effect", json!({"ms": 3000})).await;
    // A client that sends the request, waits half a second and closes the connection.
    {
        use tokio::io::AsyncWriteExt;
        let addr = ctx.app.base_url.trim_start_matches("http://").to_owned();
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let request = format!(
            "POST /api/v1/jobs/runner HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
             Content-Length: 0\r\n\r\n",
            TestApp::token(alice)
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        stream.shutdown().await.unwrap();
    }
    assert_eq!(effects(job).0, 1, "the handler started");

    // Well past the first lease: still leased (heartbeats), and a reaper run (the cron
    // drain's upkeep) finds nothing expired to take away.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let owner = ctx.db.owner().await.unwrap();
    // The configured 1 s lease, renewed: in the future, but not by much more than a lease.
    let leased: bool = owner
        .query_one(
            "SELECT lease_expires_at > now() AND lease_expires_at < now() + interval '2 seconds' \
             FROM job_queue WHERE id = $1 AND state = 'running'",
            &[&job],
        )
        .await
        .unwrap()
        .get(0);
    assert!(
        leased,
        "the configured lease is kept alive while the handler runs"
    );
    let res = cron_drain(&ctx).await;
    assert_eq!(res.status(), StatusCode::OK);

    let started = Instant::now();
    loop {
        let (state, attempts, errors) = job_row(&ctx, job).await;
        if state == "succeeded" {
            assert_eq!(attempts, 1, "no attempt was burnt");
            assert_eq!(errors, json!([]), "never reaped or released: {errors}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the job never completed: {state}, {attempts} attempts, {errors}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(effects(job), (1, 1), "the effect happened exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_runner_drains_only_their_jobs_and_does_no_global_upkeep() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let mine = enqueue(&ctx, Some(alice), "diagnostics.echo", json!({})).await;
    // Bob's job whose worker died (expired lease) and a schedule that is due.
    let stale = Uuid::now_v7();
    sql(
        &ctx,
        &format!(
            "INSERT INTO job_queue (id, kind, queue, user_id, state, attempts, lease_owner, lease_token, \
             lease_expires_at) VALUES ('{stale}', 'diagnostics.echo', 'default', '{bob}', 'running', 1, \
             'dead-worker', gen_random_uuid(), now() - interval '1 minute'); \
             INSERT INTO job_schedules (name, cron, kind, next_run_at) \
             VALUES ('every-minute', '* * * * *', 'diagnostics.echo', now() - interval '1 minute')"
        ),
    )
    .await;

    let res = ctx.app.as_user(alice).post("/api/v1/jobs/runner").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>(),
        json!({"processed": 1, "succeeded": 1, "failed": 0})
    );
    assert_eq!(job_row(&ctx, mine).await.0, "succeeded");
    let (state, _, errors) = job_row(&ctx, stale).await;
    assert_eq!(state, "running", "a user's drain does not reap: {errors}");
    let owner = ctx.db.owner().await.unwrap();
    let fired: i64 = owner
        .query_one(
            "SELECT count(*) FROM job_schedules WHERE last_fired_at IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(fired, 0, "a user's drain fires no schedule");

    // The cron drain does both, then drains what they produced.
    let res = cron_drain(&ctx).await;
    assert_eq!(res.status(), StatusCode::OK);
    let (state, attempts, errors) = job_row(&ctx, stale).await;
    assert_eq!((state.as_str(), attempts), ("succeeded", 2), "{errors}");
    assert_eq!(errors[0]["code"], "lease_expired");
    let fired: i64 = owner
        .query_one(
            "SELECT count(*) FROM job_schedules WHERE last_fired_at IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(fired, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_partition_check_does_not_stop_the_cron_drain() {
    let ctx = setup().await;
    // The app role may no longer maintain partitions: the upkeep step fails.
    sql(
        &ctx,
        "REVOKE EXECUTE ON FUNCTION job_history_ensure_partitions(date, integer) FROM omnicrm_app_group",
    )
    .await;
    let job = enqueue(&ctx, None, "diagnostics.echo", json!({})).await;
    let res = cron_drain(&ctx).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>(),
        json!({"processed": 1, "succeeded": 1, "failed": 0})
    );
    assert_eq!(job_row(&ctx, job).await.0, "succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_views_show_failure_codes_never_the_handlers_text() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let as_alice = ctx.app.as_user(alice);
    let id = Uuid::now_v7();
    sql(
        &ctx,
        &format!(
            "INSERT INTO job_history (id, kind, queue, user_id, payload, priority, state, attempts, \
             max_attempts, errors, created_at) VALUES ('{id}', 'sync', 'default', '{alice}', '{{}}', 0, \
             'dead', 3, 3, '[{{\"attempt\": 1, \"kind\": \"error\", \"error\": \"upstream 401: token=sk_live_123 for alice@example.com\", \"at\": 1700000000}}, \
             {{\"attempt\": 2, \"kind\": \"lease_expired\", \"code\": \"lease_expired\", \"error\": \"lease expired: the worker died or stalled\", \"at\": 1700000060}}, \
             {{\"attempt\": 3, \"kind\": \"error\", \"code\": \"failed_permanently\", \"error\": \"permanent: SQL error in relation contacts\", \"at\": 1700000120}}]', now())"
        ),
    )
    .await;
    for path in [
        format!("/api/v1/jobs/{id}"),
        "/api/v1/jobs?state=dead".to_owned(),
    ] {
        let res = as_alice.get(&path).await;
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text();
        for secret in [
            "sk_live_123",
            "alice@example.com",
            "SQL error",
            "upstream 401",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
    let job: Value = as_alice.get(&format!("/api/v1/jobs/{id}")).await.json();
    let codes: Vec<&str> = job["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["failed", "lease_expired", "failed_permanently"]);
    assert_eq!(job["errors"][0]["attempt"], 1);
    assert_eq!(job["errors"][0]["at"], "2023-11-14T22:13:20Z");
    assert!(job["errors"][0]["message"].as_str().unwrap().len() > 10);
    assert!(job["errors"][0].get("error").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn action_posts_take_an_empty_body_or_an_empty_object_and_refuse_anything_else() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let raw = |method: Method, path: &str, user: Option<UserId>, body: &'static str| {
        let caller = match user {
            Some(user) => ctx.app.as_user(user),
            None => ctx.app.with_bearer(TEST_CRON_SECRET),
        };
        let path = path.to_owned();
        async move {
            caller
                .send_bytes(method, &path, "application/json", body)
                .await
        }
    };
    for kind in ["cancel", "retry"] {
        let job = enqueue(&ctx, Some(alice), "diagnostics.echo", json!({})).await;
        let path = format!("/api/v1/jobs/{job}/{kind}");
        for bad in ["{", "[]", "null", "{\"force\": true}"] {
            raw(Method::POST, &path, Some(alice), bad)
                .await
                .problem(StatusCode::BAD_REQUEST, "malformed_request");
        }
        assert_eq!(job_row(&ctx, job).await.0, "queued", "nothing happened");
        let res = raw(Method::POST, &path, Some(alice), "{}").await;
        assert_ne!(res.status(), StatusCode::BAD_REQUEST, "{kind} with {{}}");
    }
    for (path, user) in [
        ("/api/v1/jobs/runner", Some(alice)),
        ("/api/v1/cron/process-jobs", None),
    ] {
        for bad in ["{", "[]", "{\"force\": true}"] {
            raw(Method::POST, path, user, bad)
                .await
                .problem(StatusCode::BAD_REQUEST, "malformed_request");
        }
        for fine in ["", "{}", " "] {
            assert_eq!(
                raw(Method::POST, path, user, fine).await.status(),
                StatusCode::OK
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drain_finishes_its_jobs_when_the_http_server_stops_under_it() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let job = enqueue(&ctx, Some(alice), "test.effect", json!({"ms": 1500})).await;
    let request = ctx
        .app
        .as_user(alice)
        .request(Method::POST, "/api/v1/jobs/runner")
        .send();
    let caller = tokio::spawn(request);
    let started = Instant::now();
    while effects(job).0 == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The HTTP workers go away (a restart, or the shutdown's HTTP drain running out):
    // whatever request futures they held are dropped.
    ctx.app.stop().await;
    let _ = caller.await;
    loop {
        let (state, attempts, errors) = job_row(&ctx, job).await;
        if state == "succeeded" {
            assert_eq!((attempts, errors), (1, json!([])));
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the job never completed: {state}, {attempts} attempts, {errors}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(effects(job), (1, 1), "the effect happened exactly once");
}
