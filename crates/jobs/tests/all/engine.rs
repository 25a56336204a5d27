//! The engine against a real Postgres: exactly-once under contention, fencing, retries,
//! dead letters, redrive, snooze, unique keys, concurrency keys, cancel, shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::common::{Probe, count, fast_config, pool, wait_for_count};
use omnicrm_jobs::store::{self, CancelOutcome, Claimed, Completion, Lease, Outcome};
use omnicrm_jobs::{
    EnqueueOptions, Job, JobContext, JobError, Registry, RetryPolicy, Runner, UniqueMode, enqueue,
    enqueue_many,
};
use omnicrm_testkit::TestDb;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

/// Records every run; succeeds.
#[derive(Serialize, Deserialize)]
struct Count {
    n: u32,
}

impl Job for Count {
    const KIND: &'static str = "test.count";
    type Context = Probe;
    async fn run(self, ctx: JobContext<Probe>) -> Result<Value, JobError> {
        ctx.app.record(ctx.job_id);
        Ok(json!({ "n": self.n }))
    }
}

/// Fails (retryably) until `succeed_from` attempts, or always when 0.
#[derive(Serialize, Deserialize)]
struct Flaky {
    succeed_from: i32,
    permanent: bool,
}

impl Job for Flaky {
    const KIND: &'static str = "test.flaky";
    const MAX_ATTEMPTS: i32 = 3;
    type Context = Probe;
    fn retry_policy() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(40),
        }
    }
    async fn run(self, ctx: JobContext<Probe>) -> Result<Value, JobError> {
        ctx.app.record(ctx.job_id);
        if self.permanent {
            return Err(JobError::permanent("this cannot work"));
        }
        if self.succeed_from > 0 && ctx.attempt >= self.succeed_from {
            return Ok(Value::Null);
        }
        Err(JobError::retry(format!(
            "failure on attempt {}",
            ctx.attempt
        )))
    }
}

/// Snoozes `times` times (counted by the probe), then succeeds.
#[derive(Serialize, Deserialize)]
struct Sleepy {
    times: u32,
}

impl Job for Sleepy {
    const KIND: &'static str = "test.sleepy";
    type Context = Probe;
    async fn run(self, ctx: JobContext<Probe>) -> Result<Value, JobError> {
        ctx.app.record(ctx.job_id);
        let seen = ctx.app.runs.lock().unwrap()[&ctx.job_id];
        if seen <= self.times {
            return Err(JobError::Snooze {
                after: Duration::from_millis(20),
                reason: "upstream said 429".into(),
            });
        }
        Ok(Value::Null)
    }
}

/// Runs for `ms`, tracking how many run at once; unique and concurrency keys from fields.
#[derive(Serialize, Deserialize)]
struct Slow {
    ms: u64,
    key: Option<String>,
    unique: Option<String>,
    replace: bool,
}

impl Job for Slow {
    const KIND: &'static str = "test.slow";
    type Context = Probe;
    fn unique(&self) -> Option<(String, UniqueMode)> {
        self.unique.clone().map(|k| {
            (
                k,
                if self.replace {
                    UniqueMode::Replace
                } else {
                    UniqueMode::Skip
                },
            )
        })
    }
    fn concurrency(&self) -> Option<(String, i32)> {
        self.key.clone().map(|k| (k, 2))
    }
    async fn run(self, ctx: JobContext<Probe>) -> Result<Value, JobError> {
        let now = ctx.app.running.fetch_add(1, Ordering::SeqCst) + 1;
        ctx.app.max_running.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(self.ms)).await;
        ctx.app.running.fetch_sub(1, Ordering::SeqCst);
        ctx.app.record(ctx.job_id);
        Ok(Value::Null)
    }
}

fn registry() -> Registry<Probe> {
    Registry::new()
        .register::<Count>()
        .register::<Flaky>()
        .register::<Sleepy>()
        .register::<Slow>()
}

async fn enqueue_one<J: Job>(db: &TestDb, job: &J) -> Option<Uuid> {
    let p = pool(db, 1);
    let mut c = p.get().await.unwrap();
    enqueue(&mut c, job, &EnqueueOptions::default())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_runners_drain_ten_thousand_jobs_each_exactly_once() {
    let db = TestDb::new().await.unwrap();
    let jobs: Vec<Count> = (0..10_000).map(|n| Count { n }).collect();
    let p = pool(&db, 2);
    let ids = {
        let mut c = p.get().await.unwrap();
        let mut ids = Vec::new();
        for chunk in jobs.chunks(2_500) {
            ids.extend(
                enqueue_many(&mut c, chunk, &EnqueueOptions::default())
                    .await
                    .unwrap(),
            );
        }
        ids
    };
    assert_eq!(ids.len(), 10_000);
    let probe = Probe::default();
    let runners: Vec<_> = (0..8)
        .map(|_| {
            // Generous leases: this test is about claim contention, not lease expiry
            // (fencing has its own test), so a loaded CI machine must not re-run jobs.
            let mut config = fast_config(&db, 4);
            config.lease = Duration::from_secs(60);
            config.heartbeat = Duration::from_secs(5);
            Runner::new(pool(&db, 3), registry(), probe.clone(), config).start()
        })
        .collect();
    wait_for_count(
        &db,
        "SELECT count(*) FROM job_queue",
        0,
        Duration::from_secs(120),
    )
    .await;
    for runner in runners {
        runner.shutdown().await;
    }
    let runs = probe.runs.lock().unwrap().clone();
    assert_eq!(runs.len(), 10_000, "every job ran");
    assert!(runs.values().all(|&n| n == 1), "some job ran twice");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM job_history WHERE state = 'succeeded'"
        )
        .await,
        10_000
    );
    assert_eq!(
        count(&db, "SELECT count(DISTINCT id) FROM job_history").await,
        10_000
    );
    let result: Value = db
        .owner()
        .await
        .unwrap()
        .query_one("SELECT result FROM job_history WHERE id = $1", &[&ids[42]])
        .await
        .unwrap()
        .get(0);
    assert_eq!(result, json!({ "n": 42 }), "results are stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_lost_its_lease_cannot_complete_the_job() {
    let db = TestDb::new().await.unwrap();
    let id = enqueue_one(&db, &Count { n: 1 }).await.unwrap();
    let p = pool(&db, 2);
    let mut c = p.get().await.unwrap();
    let first = store::claim(
        &mut c,
        "default",
        "worker-a",
        Duration::from_millis(100),
        10,
        None,
    )
    .await
    .unwrap();
    assert_eq!(first.len(), 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        store::reap_expired(&mut c).await.unwrap(),
        1,
        "the expired lease is reaped"
    );
    let second = store::claim(
        &mut c,
        "default",
        "worker-b",
        Duration::from_secs(30),
        10,
        None,
    )
    .await
    .unwrap();
    assert_eq!(second.len(), 1);
    assert_ne!(first[0].lease_token, second[0].lease_token);
    // The first worker comes back late: every outcome it reports is refused.
    let late = store::finish(
        &mut c,
        first[0].lease(),
        1,
        Outcome::Succeeded(json!("late")),
    )
    .await
    .unwrap();
    assert!(!late, "a fenced-out completion must be refused");
    assert!(
        store::finish_succeeded_many(
            &mut c,
            &[Completion {
                lease: first[0].lease(),
                result: json!("late")
            }]
        )
        .await
        .unwrap()
        .is_empty()
    );
    assert!(
        store::heartbeat(&mut c, &[first[0].lease()], Duration::from_secs(30))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store::finish(&mut c, second[0].lease(), 2, Outcome::Succeeded(json!("b")))
            .await
            .unwrap()
    );
    let rows = db
        .owner()
        .await
        .unwrap()
        .query(
            "SELECT result, attempts FROM job_history WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "exactly one recorded completion");
    assert_eq!(rows[0].get::<_, Value>(0), json!("b"));
    assert_eq!(rows[0].get::<_, i32>(1), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_back_off_then_die_with_every_error_and_redrive_works() {
    let db = TestDb::new().await.unwrap();
    let always = enqueue_one(
        &db,
        &Flaky {
            succeed_from: 0,
            permanent: false,
        },
    )
    .await
    .unwrap();
    let permanent = enqueue_one(
        &db,
        &Flaky {
            succeed_from: 0,
            permanent: true,
        },
    )
    .await
    .unwrap();
    let probe = Probe::default();
    let runner = Runner::new(pool(&db, 3), registry(), probe.clone(), fast_config(&db, 2)).start();
    wait_for_count(
        &db,
        "SELECT count(*) FROM job_history WHERE state = 'dead'",
        2,
        Duration::from_secs(20),
    )
    .await;
    let owner = db.owner().await.unwrap();
    let row = owner
        .query_one(
            "SELECT attempts, errors FROM job_history WHERE id = $1",
            &[&always],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 3);
    let errors: Value = row.get(1);
    let messages: Vec<&str> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["error"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "failure on attempt 1",
            "failure on attempt 2",
            "failure on attempt 3"
        ]
    );
    let row = owner
        .query_one(
            "SELECT attempts FROM job_history WHERE id = $1",
            &[&permanent],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 1, "a permanent error dies at once");
    assert_eq!(probe.runs.lock().unwrap()[&always], 3);

    // Redrive: back in the queue with fresh attempts and the old errors kept; it fails
    // three more times and dies again, so its history now holds six errors.
    let p = pool(&db, 1);
    let mut c = p.get().await.unwrap();
    assert_eq!(
        store::redrive(&mut c, &[always], None).await.unwrap(),
        vec![always]
    );
    wait_for_count(
        &db,
        "SELECT count(*) FROM job_history WHERE state = 'dead'",
        2,
        Duration::from_secs(20),
    )
    .await;
    wait_for_count(
        &db,
        "SELECT count(*) FROM job_queue",
        0,
        Duration::from_secs(20),
    )
    .await;
    let errors: Value = owner
        .query_one("SELECT errors FROM job_history WHERE id = $1", &[&always])
        .await
        .unwrap()
        .get(0);
    assert_eq!(errors.as_array().unwrap().len(), 6);
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_job_succeeds_and_a_snooze_spends_no_attempt() {
    let db = TestDb::new().await.unwrap();
    let flaky = enqueue_one(
        &db,
        &Flaky {
            succeed_from: 2,
            permanent: false,
        },
    )
    .await
    .unwrap();
    let sleepy = enqueue_one(&db, &Sleepy { times: 4 }).await.unwrap();
    let probe = Probe::default();
    let runner = Runner::new(pool(&db, 3), registry(), probe.clone(), fast_config(&db, 2)).start();
    wait_for_count(
        &db,
        "SELECT count(*) FROM job_history WHERE state = 'succeeded'",
        2,
        Duration::from_secs(20),
    )
    .await;
    runner.shutdown().await;
    let owner = db.owner().await.unwrap();
    let attempts = |id: Uuid| {
        let owner = &owner;
        async move {
            owner
                .query_one("SELECT attempts FROM job_history WHERE id = $1", &[&id])
                .await
                .unwrap()
                .get::<_, i32>(0)
        }
    };
    assert_eq!(attempts(flaky).await, 2);
    assert_eq!(attempts(sleepy).await, 1, "four snoozes, one attempt");
    assert_eq!(probe.runs.lock().unwrap()[&sleepy], 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unique_keys_skip_twins_and_replace_debounces() {
    let db = TestDb::new().await.unwrap();
    let slow = |unique: &str, replace: bool, ms: u64| Slow {
        ms,
        key: None,
        unique: Some(unique.into()),
        replace,
    };
    let first = enqueue_one(&db, &slow("sync:alice", false, 1)).await;
    assert!(first.is_some());
    assert_eq!(
        enqueue_one(&db, &slow("sync:alice", false, 2)).await,
        None,
        "a queued twin is skipped"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM job_queue").await, 1);

    let debounced = enqueue_one(&db, &slow("digest:bob", true, 5)).await;
    let again = enqueue_one(&db, &slow("digest:bob", true, 7)).await;
    assert_eq!(again, debounced, "replace updates the queued twin");
    let payload: Value = db
        .owner()
        .await
        .unwrap()
        .query_one(
            "SELECT payload FROM job_queue WHERE unique_key = 'digest:bob'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(payload["ms"], 7);
    assert_eq!(count(&db, "SELECT count(*) FROM job_queue").await, 2);

    // Once finished, the key is free again.
    let runner = Runner::new(
        pool(&db, 3),
        registry(),
        Probe::default(),
        fast_config(&db, 2),
    )
    .start();
    wait_for_count(
        &db,
        "SELECT count(*) FROM job_queue",
        0,
        Duration::from_secs(20),
    )
    .await;
    runner.shutdown().await;
    assert!(
        enqueue_one(&db, &slow("sync:alice", false, 1))
            .await
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_concurrency_key_limits_running_jobs_across_four_runners() {
    let db = TestDb::new().await.unwrap();
    let jobs: Vec<Slow> = (0..24)
        .map(|_| Slow {
            ms: 60,
            key: Some("gmail:alice".into()),
            unique: None,
            replace: false,
        })
        .collect();
    let p = pool(&db, 1);
    {
        let mut c = p.get().await.unwrap();
        enqueue_many(&mut c, &jobs, &EnqueueOptions::default())
            .await
            .unwrap();
    }
    let probe = Probe::default();
    let runners: Vec<_> = (0..4)
        .map(|_| Runner::new(pool(&db, 3), registry(), probe.clone(), fast_config(&db, 8)).start())
        .collect();
    wait_for_count(
        &db,
        "SELECT count(*) FROM job_queue",
        0,
        Duration::from_secs(60),
    )
    .await;
    for r in runners {
        r.shutdown().await;
    }
    assert_eq!(probe.runs.lock().unwrap().len(), 24);
    let max = probe.max_running.load(Ordering::SeqCst);
    assert!(
        max <= 2,
        "{max} jobs of one key ran at once; the limit is 2"
    );
    assert_eq!(max, 2, "the limit should also be reached, not undershot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_queued_jobs_at_once_and_running_ones_cooperatively() {
    let db = TestDb::new().await.unwrap();
    let p = pool(&db, 2);
    let mut c = p.get().await.unwrap();
    let later = enqueue(
        &mut c,
        &Count { n: 0 },
        &EnqueueOptions {
            run_at: Some(time::OffsetDateTime::now_utc() + time::Duration::hours(1)),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        store::cancel(&mut c, later, None).await.unwrap(),
        CancelOutcome::Cancelled
    );
    assert_eq!(
        store::cancel(&mut c, later, None).await.unwrap(),
        CancelOutcome::AlreadyFinished
    );
    assert_eq!(
        store::cancel(&mut c, Uuid::now_v7(), None).await.unwrap(),
        CancelOutcome::NotFound
    );

    let long = enqueue(
        &mut c,
        &Slow {
            ms: 60_000,
            key: None,
            unique: None,
            replace: false,
        },
        &EnqueueOptions::default(),
    )
    .await
    .unwrap()
    .unwrap();
    let probe = Probe::default();
    let runner = Runner::new(pool(&db, 3), registry(), probe.clone(), fast_config(&db, 2)).start();
    wait_for_count(
        &db,
        "SELECT count(*) FROM job_queue WHERE state = 'running'",
        1,
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(
        store::cancel(&mut c, long, None).await.unwrap(),
        CancelOutcome::Requested
    );
    wait_for_count(
        &db,
        "SELECT count(*) FROM job_history WHERE state = 'cancelled'",
        2,
        Duration::from_secs(10),
    )
    .await;
    runner.shutdown().await;
    assert!(
        probe.runs.lock().unwrap().get(&long).is_none(),
        "the cancelled run never finished"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_releases_leases_without_spending_attempts() {
    let db = TestDb::new().await.unwrap();
    let quick = enqueue_one(
        &db,
        &Slow {
            ms: 50,
            key: None,
            unique: Some("quick".into()),
            replace: false,
        },
    )
    .await
    .unwrap();
    let stuck = enqueue_one(
        &db,
        &Slow {
            ms: 60_000,
            key: None,
            unique: Some("stuck".into()),
            replace: false,
        },
    )
    .await
    .unwrap();
    let mut config = fast_config(&db, 4);
    config.shutdown_grace = Duration::from_millis(500);
    let runner = Runner::new(pool(&db, 3), registry(), Probe::default(), config).start();
    wait_for_count(
        &db,
        "SELECT count(*) FROM job_history",
        1,
        Duration::from_secs(10),
    )
    .await;
    let started = std::time::Instant::now();
    runner.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "shutdown took {:?}",
        started.elapsed()
    );
    let row = db
        .owner()
        .await
        .unwrap()
        .query_one(
            "SELECT state, attempts, lease_token IS NULL FROM job_queue WHERE id = $1",
            &[&stuck],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "queued");
    assert_eq!(row.get::<_, i32>(1), 0, "a released attempt is not spent");
    assert!(row.get::<_, bool>(2));
    assert_eq!(
        count(
            &db,
            &format!("SELECT count(*) FROM job_history WHERE id = '{quick}'")
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_queues_are_not_claimed_and_batches_are_counted() {
    let db = TestDb::new().await.unwrap();
    let p = pool(&db, 2);
    let mut c = p.get().await.unwrap();
    store::pause_queue(&mut c, "default").await.unwrap();
    let batch = Uuid::now_v7();
    let jobs: Vec<Count> = (0..5).map(|n| Count { n }).collect();
    enqueue_many(
        &mut c,
        &jobs,
        &EnqueueOptions {
            batch_id: Some(batch),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let runner = Runner::new(
        pool(&db, 3),
        registry(),
        Probe::default(),
        fast_config(&db, 2),
    )
    .start();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        store::batch_counts(&mut c, batch, None)
            .await
            .unwrap()
            .queued,
        5,
        "a paused queue is not claimed"
    );
    store::resume_queue(&mut c, "default").await.unwrap();
    wait_for_count(
        &db,
        "SELECT count(*) FROM job_queue",
        0,
        Duration::from_secs(10),
    )
    .await;
    runner.shutdown().await;
    let counts = store::batch_counts(&mut c, batch, None).await.unwrap();
    assert_eq!((counts.succeeded, counts.total), (5, 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_fire_a_cron_schedule_once_per_tick() {
    use omnicrm_jobs::{ManualClock, Schedule, upsert_schedule};
    let db = TestDb::new().await.unwrap();
    let start = time::macros::datetime!(2026-11-27 10:00:30 UTC);
    let clock = std::sync::Arc::new(ManualClock::new(start));
    let p = pool(&db, 1);
    {
        let mut c = p.get().await.unwrap();
        let schedule = Schedule {
            name: "minutely-count".into(),
            cron: "* * * * *".into(),
            timezone: "Europe/London".into(),
            kind: "test.count".into(),
            queue: "default".into(),
            payload: json!({ "n": 7 }),
            skip_if_running: true,
        };
        upsert_schedule(&mut c, &schedule, start).await.unwrap();
    }
    let runners: Vec<_> = (0..2)
        .map(|_| {
            let mut config = fast_config(&db, 2);
            config.clock = clock.clone();
            config.cron_tick = Some(Duration::from_millis(50));
            Runner::new(pool(&db, 3), registry(), Probe::default(), config).start()
        })
        .collect();
    let fired = "SELECT count(*) FROM job_history WHERE kind = 'test.count'";
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(count(&db, fired).await, 0, "not due yet");
    clock.advance(Duration::from_secs(40));
    wait_for_count(&db, fired, 1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(count(&db, fired).await, 1, "two runners, one tick, one job");
    clock.advance(Duration::from_secs(60));
    wait_for_count(&db, fired, 2, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(count(&db, fired).await, 2);
    for r in runners {
        r.shutdown().await;
    }
}

/// Claims and heartbeats change no indexed column, so PostgreSQL updates the rows in place
/// (HOT) without new index entries: the WAL budget per job depends on it
/// (docs/benchmarks-jobs.md), and an index on a lease column would silently break it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_and_heartbeats_are_hot_updates() {
    let db = TestDb::new().await.unwrap();
    let p = pool(&db, 1);
    let mut c = p.get().await.unwrap();
    let jobs: Vec<Count> = (0..200).map(|n| Count { n }).collect();
    enqueue_many(&mut c, &jobs, &EnqueueOptions::default())
        .await
        .unwrap();
    let claimed = store::claim(
        &mut c,
        "default",
        "worker-hot",
        Duration::from_secs(30),
        200,
        None,
    )
    .await
    .unwrap();
    assert_eq!(claimed.len(), 200);
    let leases: Vec<Lease> = claimed.iter().map(Claimed::lease).collect();
    let held = store::heartbeat(&mut c, &leases, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(held.len(), 200);
    // A backend publishes its statistics at the latest when it exits.
    drop(c);
    drop(p);
    let owner = db.owner().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let (updated, hot) = loop {
        let row = owner
            .query_one(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'job_queue'",
                &[],
            )
            .await
            .unwrap();
        let (updated, hot): (i64, i64) = (row.get(0), row.get(1));
        if updated >= 400 || std::time::Instant::now() > deadline {
            break (updated, hot);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(updated, 400, "200 claims and 200 lease extensions");
    // Every claim finds room on its page (fillfactor 40). A heartbeat needs the claim's
    // old version pruned first, which an older snapshot elsewhere in the cluster can
    // delay, so on a busy machine a few heartbeats may not be HOT. An index on a lease or
    // state column would make none of them HOT.
    assert!(
        hot >= 200 && hot <= updated,
        "claims and heartbeats should be HOT updates: {hot} of {updated}"
    );
}
