//! Unique keys skip twins (or replace, debouncing); concurrency keys limit running jobs across runners.

use crate::common::engine::*;
use crate::common::{Probe, count, fast_config, pool, wait_for_count};
use omnicrm_jobs::{EnqueueOptions, Runner, enqueue_many};
use omnicrm_testkit::TestDb;
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::time::Duration;

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

/// A job held back by its concurrency key starts as soon as the slot frees, on every
/// worker, not at the next poll: a sync that queues one follow-up per page would otherwise
/// spend a poll interval on each of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_back_twin_starts_when_its_slot_frees_not_at_the_next_poll() {
    let db = TestDb::new().await.unwrap();
    let jobs: Vec<Slow> = (0..8)
        .map(|_| Slow {
            ms: 20,
            key: Some("normalise:batch".into()),
            unique: None,
            replace: false,
        })
        .collect();
    let p = pool(&db, 2);
    let mut conn = p.get().await.unwrap();
    enqueue_many(&mut conn, &jobs, &EnqueueOptions::default())
        .await
        .unwrap();
    drop(conn);
    let config = omnicrm_jobs::RunnerConfig {
        // Far longer than the wait below: only a wake-up can finish the run in time.
        poll: Duration::from_secs(120),
        ..fast_config(&db, 4)
    };
    let probe = Probe::default();
    let runner = Runner::new(p, registry(), probe.clone(), config).start();
    wait_for_count(
        &db,
        "SELECT count(*) FROM job_queue",
        0,
        Duration::from_secs(30),
    )
    .await;
    runner.shutdown().await;
    assert_eq!(probe.runs.lock().unwrap().len(), 8);
    assert!(probe.max_running.load(Ordering::SeqCst) <= 2);
}

/// A follow-up queued after every stored page joins the one still waiting in its batch, and
/// that twin cannot start until the writer commits, so it sees every page.
#[tokio::test]
async fn a_follow_up_joins_its_queued_twin_which_waits_for_the_writer() {
    use diesel_async::SimpleAsyncConnection;
    use omnicrm_jobs::{enqueue_or_join, store};

    let db = TestDb::new().await.unwrap();
    let p = pool(&db, 2);
    let job = Slow {
        ms: 1,
        key: None,
        unique: None,
        replace: false,
    };
    let batch = |id| EnqueueOptions {
        batch_id: Some(id),
        ..EnqueueOptions::default()
    };
    let (run, other_run) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    async fn claim(c: &mut diesel_async::AsyncPgConnection) -> Vec<uuid::Uuid> {
        let lease = Duration::from_secs(30);
        let claimed = store::claim(c, "default", "test-worker", lease, 10, None).await;
        claimed.unwrap().into_iter().map(|c| c.id).collect()
    }

    let mut writer = p.get().await.unwrap();
    let first = enqueue_or_join(&mut writer, &job, &batch(run))
        .await
        .unwrap();
    writer.batch_execute("BEGIN").await.unwrap();
    let joined = enqueue_or_join(&mut writer, &job, &batch(run))
        .await
        .unwrap();
    assert_eq!(joined, first, "the queued twin is joined");
    assert_eq!(count(&db, "SELECT count(*) FROM job_queue").await, 1);

    let mut claimer = p.get().await.unwrap();
    assert!(
        claim(&mut claimer).await.is_empty(),
        "the joined twin waits for the writer's commit"
    );
    writer.batch_execute("COMMIT").await.unwrap();
    assert_eq!(Some(claim(&mut claimer).await), first.map(|id| vec![id]));

    let after_start = enqueue_or_join(&mut writer, &job, &batch(run))
        .await
        .unwrap();
    assert!(
        after_start.is_some() && after_start != first,
        "a running twin is not joined"
    );
    let elsewhere = enqueue_or_join(&mut writer, &job, &batch(other_run))
        .await
        .unwrap();
    assert!(
        elsewhere.is_some() && elsewhere != after_start,
        "batches are separate"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM job_queue").await, 3);
}
