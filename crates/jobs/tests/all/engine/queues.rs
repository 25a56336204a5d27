//! Paused queues are not claimed, batches are counted, and a cron schedule fires once per tick across runners.

use crate::common::engine::*;
use crate::common::{Probe, count, fast_config, pool, wait_for_count};
use omnicrm_jobs::store::{self};
use omnicrm_jobs::{EnqueueOptions, Runner, enqueue_many};
use omnicrm_testkit::TestDb;
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

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
            user_id: None,
            concurrency_key: None,
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
