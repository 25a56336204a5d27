//! Cancel stops queued jobs at once and running ones cooperatively.

use crate::common::engine::*;
use crate::common::{Probe, fast_config, pool, wait_for_count};
use omnicrm_jobs::store::{self, CancelOutcome};
use omnicrm_jobs::{EnqueueOptions, Runner, enqueue};
use omnicrm_testkit::TestDb;
use std::time::Duration;
use uuid::Uuid;

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
