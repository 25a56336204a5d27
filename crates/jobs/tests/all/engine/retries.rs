//! Retries back off and dead-letter with every error; redrive; a snooze spends no attempt.

use crate::common::engine::*;
use crate::common::{Probe, fast_config, pool, wait_for_count};
use omnicrm_jobs::Runner;
use omnicrm_jobs::store::{self};
use omnicrm_testkit::TestDb;
use serde_json::Value;
use std::time::Duration;
use uuid::Uuid;

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
