//! `DELETE /api/v1/user` while a job of the user is running: the job's writes are fenced by
//! its lease, so nothing it writes after the erasure survives, and it ends without a retry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::RunQueryDsl;
use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_jobs::{Job, JobContext, JobError};
use omnicrm_services::job_kinds::{JobsAppContext, registry};
use omnicrm_services::jobs::Registry;
use omnicrm_testkit::{TestApp, TestAppOptions, TestDb};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::Ctx;
use crate::common::user_data::{ERASE, confirmation, row_counts};

/// `(runs started, runs that reached their end, writes committed)` of one job.
type Runs = (u32, u32, u32);

/// Per job id.
static WRITER: LazyLock<Mutex<HashMap<Uuid, Runs>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

fn writer(id: Uuid) -> Runs {
    WRITER.lock().unwrap().get(&id).copied().unwrap_or_default()
}

/// Writes a contact for its user every 50 ms, `rounds` times, whatever each write answers
/// (a stubborn handler: it never gives up by itself).
#[derive(Serialize, Deserialize)]
struct Writer {
    rounds: u32,
    /// Write from a task the handler spawns (wrapped in `fence::scope_current`, as the
    /// files service's `run_to_completion` does), not from the handler's own task.
    #[serde(default)]
    spawned: bool,
}

impl Job for Writer {
    const KIND: &'static str = "test.erasure_writer";
    type Context = JobsAppContext;
    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let user = UserId::from(ctx.user_id.unwrap());
        WRITER.lock().unwrap().entry(ctx.job_id).or_default().0 += 1;
        for _ in 0..self.rounds {
            let db = ctx.app.db.clone();
            let write = async move {
                db.tenant(user, move |conn| {
                    async move {
                        omnicrm_repo::tenants::ensure(conn, user).await?;
                        diesel::sql_query(
                            "INSERT INTO contacts (user_id, id, display_name) VALUES ($1, $2, 'Written by a job')",
                        )
                        .bind::<SqlUuid, _>(user.into_uuid())
                        .bind::<SqlUuid, _>(Uuid::now_v7())
                        .execute(conn)
                        .await
                        .map_err(omnicrm_problem::AppError::internal)?;
                        Ok(())
                    }
                    .boxed()
                })
                .await
            };
            let wrote = if self.spawned {
                tokio::spawn(omnicrm_jobs::fence::scope_current(write))
                    .await
                    .unwrap()
            } else {
                write.await
            };
            if wrote.is_ok() {
                WRITER.lock().unwrap().entry(ctx.job_id).or_default().2 += 1;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        WRITER.lock().unwrap().entry(ctx.job_id).or_default().1 += 1;
        Ok(json!("done"))
    }
}

fn with_writer() -> Registry<JobsAppContext> {
    registry().register::<Writer>()
}

async fn contacts_of(ctx: &Ctx, user: UserId) -> i64 {
    ctx.db
        .owner()
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM contacts WHERE user_id = $1",
            &[&user.into_uuid()],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_job_cannot_bring_erased_data_back_and_ends_without_a_retry() {
    erase_while_writing(false).await;
}

/// The same when the handler writes from a task it spawned: the fence goes with the task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_spawned_by_a_running_job_cannot_bring_erased_data_back() {
    erase_while_writing(true).await;
}

async fn erase_while_writing(spawned: bool) {
    let db = TestDb::new().await.expect("test database");
    // A 30 s lease: its heartbeats (every 10 s) do not notice the purge within this test;
    // only the fence stops the handler.
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            job_lease: Some(Duration::from_secs(30)),
            job_registry: Some(with_writer),
            ..TestAppOptions::default()
        },
    )
    .await;
    let ctx = Ctx { db, app };
    let alice = TestApp::new_user();
    let job = Uuid::now_v7();
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO job_queue (id, kind, queue, user_id, payload) \
             VALUES ('{job}', 'test.erasure_writer', 'default', '{alice}', '{{\"rounds\": 60, \"spawned\": {spawned}}}')"
        ))
        .await
        .unwrap();

    let as_alice = ctx.app.as_user(alice);
    let drain = as_alice.post("/api/v1/jobs/runner");
    let erase_midway = async {
        while contacts_of(&ctx, alice).await < 3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let res = as_alice
            .send_json(Method::DELETE, ERASE, Some(&confirmation()))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    };
    let (drained, ()) = tokio::join!(drain, erase_midway);
    assert_eq!(drained.status(), StatusCode::OK);

    // However long the handler would have kept trying (60 rounds, 3 s), nothing of
    // Alice's is stored: it was stopped at its first write after the erasure.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (table, count) in row_counts(&ctx, alice).await {
        assert_eq!(count, 0, "{table} holds rows of the erased user");
    }
    let (started, finished, writes) = writer(job);
    assert_eq!(started, 1, "the handler ran once");
    assert_eq!(finished, 0, "the handler was stopped, not left to finish");
    assert!((3..60).contains(&writes), "{writes} writes committed");

    // Nothing is left to retry.
    let res = as_alice.post("/api/v1/jobs/runner").await;
    assert_eq!(
        res.json::<Value>(),
        json!({"processed": 0, "succeeded": 0, "failed": 0})
    );
    assert_eq!(writer(job).0, 1);
}
