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
