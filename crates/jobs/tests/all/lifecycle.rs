//! Shutdown never lets a job run twice at once and stays within its 10 s budget even
//! when a handler ignores the abort; redriving a dead job never loses its dead letter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use crate::common::{Probe, count, fast_config, pool, wait_for_count};
use omnicrm_jobs::store;
use omnicrm_jobs::{EnqueueOptions, Job, JobContext, JobError, Registry, Runner, enqueue};
use omnicrm_testkit::TestDb;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// The first run blocks its thread for `block_ms` (it cannot be aborted meanwhile); later
/// runs return at once. Tracks how many runs overlap.
#[derive(Serialize, Deserialize)]
struct Stubborn {
    block_ms: u64,
}

static BLOCKED_ONCE: AtomicBool = AtomicBool::new(false);

struct Leaving(Arc<AtomicI64>);

impl Drop for Leaving {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Job for Stubborn {
    const KIND: &'static str = "test.stubborn";
    type Context = Probe;
    async fn run(self, ctx: JobContext<Probe>) -> Result<Value, JobError> {
        let now = ctx.app.running.fetch_add(1, Ordering::SeqCst) + 1;
        ctx.app.max_running.fetch_max(now, Ordering::SeqCst);
        let _leaving = Leaving(Arc::clone(&ctx.app.running));
        ctx.app.record(ctx.job_id);
        if !BLOCKED_ONCE.swap(true, Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(self.block_ms));
        }
        tokio::task::yield_now().await;
        Ok(Value::Null)
    }
}

fn registry() -> Registry<Probe> {
    Registry::new().register::<Stubborn>()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shutdown_aborts_before_releasing_and_ends_within_ten_seconds_despite_a_stubborn_handler() {
    let db = TestDb::new().await.unwrap();
    let p = pool(&db, 1);
    let job = {
        let mut c = p.get().await.unwrap();
        enqueue(
            &mut c,
            &Stubborn { block_ms: 12_000 },
            &EnqueueOptions::default(),
        )
        .await
        .unwrap()
        .unwrap()
    };
    let probe = Probe::default();
    let config = || {
        let mut config = fast_config(&db, 1);
        config.lease = Duration::from_secs(6);
        config.heartbeat = Duration::from_secs(2);
        // The production budget.
        config.shutdown_grace = Duration::from_secs(10);
        config
    };
    let first = Runner::new(pool(&db, 3), registry(), probe.clone(), config()).start();
    let started = Instant::now();
    while probe.running.load(Ordering::SeqCst) == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A second worker is ready to take whatever the first gives back.
    let second = Runner::new(pool(&db, 3), registry(), probe.clone(), config()).start();

    let stopping = Instant::now();
    first.shutdown().await;
    let took = stopping.elapsed();
    assert!(
        took <= Duration::from_millis(10_300),
        "shutdown took {took:?}"
    );
    // The handler still runs (it ignored the abort), so its lease was not given back.
    let state: String = db
        .owner()
        .await
        .unwrap()
        .query_one("SELECT state FROM job_queue WHERE id = $1", &[&job])
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "running");

    // Once the lease expires the second worker's reaper re-queues the job and it runs
    // again, never while the first run is still going.
    wait_for_count(
        &db,
        &format!("SELECT count(*) FROM job_history WHERE id = '{job}' AND state = 'succeeded'"),
        1,
        Duration::from_secs(25),
    )
    .await;
    second.shutdown().await;
    assert_eq!(
        probe.max_running.load(Ordering::SeqCst),
        1,
        "ran twice at once"
    );
    assert_eq!(probe.runs.lock().unwrap()[&job], 2);
}

/// A dead job with `unique_key` in `job_history`.
async fn dead_job(db: &TestDb, unique_key: &str) -> Uuid {
    let id = Uuid::now_v7();
    db.owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO job_history (id, kind, queue, payload, priority, state, attempts, max_attempts, \
             unique_key, errors, created_at) VALUES ('{id}', 'test.stubborn', 'default', '{{}}', 0, 'dead', \
             5, 5, '{unique_key}', '[{{\"attempt\": 5, \"kind\": \"error\", \"error\": \"boom\"}}]', now())"
        ))
        .await
        .unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_keeps_the_dead_letter_when_a_twin_holds_the_key() {
    let db = TestDb::new().await.unwrap();
    let p = pool(&db, 2);

    // Two dead jobs with one key redriven together: one goes back, the other stays dead.
    let a = dead_job(&db, "sync:alice").await;
    let b = dead_job(&db, "sync:alice").await;
    let redriven = {
        let mut c = p.get().await.unwrap();
        store::redrive(&mut c, &[a, b], None).await.unwrap()
    };
    assert_eq!(redriven.len(), 1);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM job_queue WHERE unique_key = 'sync:alice'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM job_history WHERE unique_key = 'sync:alice' AND state = 'dead'"
        )
        .await,
        1,
        "the other dead letter is kept"
    );

    // A twin enqueued while the redrive runs (committed after the redrive looked).
    let dead = dead_job(&db, "sync:bob").await;
    let owner = db.owner().await.unwrap();
    owner
        .batch_execute(
            "BEGIN; INSERT INTO job_queue (id, kind, queue, payload, unique_key) \
             VALUES (gen_random_uuid(), 'test.stubborn', 'default', '{}', 'sync:bob')",
        )
        .await
        .unwrap();
    let redrive = tokio::spawn({
        let p = p.clone();
        async move {
            let mut c = p.get().await.unwrap();
            store::redrive(&mut c, &[dead], None).await.unwrap()
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    owner.batch_execute("COMMIT").await.unwrap();
    assert_eq!(redrive.await.unwrap(), Vec::<Uuid>::new());
    assert_eq!(
        count(
            &db,
            &format!("SELECT count(*) FROM job_history WHERE id = '{dead}' AND state = 'dead'")
        )
        .await,
        1,
        "the dead letter survives the race"
    );
}
