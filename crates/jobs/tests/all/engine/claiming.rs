//! Claiming: every job runs exactly once under contention, and claims and heartbeats are HOT updates.

use crate::common::engine::*;
use crate::common::{Probe, count, fast_config, pool, wait_for_count};
use omnicrm_jobs::store::{self, Claimed, Lease};
use omnicrm_jobs::{EnqueueOptions, Runner, enqueue_many};
use omnicrm_testkit::TestDb;
use serde_json::{Value, json};
use std::time::Duration;

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
