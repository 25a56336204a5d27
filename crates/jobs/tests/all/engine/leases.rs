//! Leases and fencing: a worker that lost its lease cannot complete the job; a graceful shutdown releases leases without spending attempts.

use crate::common::engine::*;
use crate::common::{Probe, count, fast_config, pool, wait_for_count};
use omnicrm_jobs::Runner;
use omnicrm_jobs::store::{self, Completion, Outcome};
use omnicrm_testkit::TestDb;
use serde_json::{Value, json};
use std::time::Duration;

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
