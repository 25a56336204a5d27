#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod engine;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Pool;
use omnicrm_jobs::RunnerConfig;
use omnicrm_repo::{DbSettings, build_pool};
use omnicrm_testkit::TestDb;
use uuid::Uuid;

/// Per-test observations shared with handlers.
#[derive(Clone, Default)]
pub struct Probe {
    pub runs: Arc<Mutex<HashMap<Uuid, u32>>>,
    pub running: Arc<std::sync::atomic::AtomicI64>,
    pub max_running: Arc<std::sync::atomic::AtomicI64>,
}

impl Probe {
    pub fn record(&self, id: Uuid) {
        *self.runs.lock().unwrap().entry(id).or_default() += 1;
    }
}

pub fn pool(db: &TestDb, size: usize) -> Pool<AsyncPgConnection> {
    build_pool(&DbSettings {
        url: db.app_url.clone(),
        pool_size: size,
        connect_timeout: Duration::from_secs(5),
        statement_timeout: Duration::from_secs(30),
    })
    .unwrap()
}

pub fn fast_config(db: &TestDb, concurrency: usize) -> RunnerConfig {
    RunnerConfig {
        queues: vec![("default".to_owned(), concurrency)],
        lease: Duration::from_secs(2),
        heartbeat: Duration::from_millis(200),
        poll: Duration::from_millis(100),
        reap_every: Duration::from_millis(200),
        listen_url: Some(db.app_url.clone()),
        shutdown_grace: Duration::from_secs(2),
        ..RunnerConfig::default()
    }
}

/// Polls `sql` (one bigint) until it equals `want`, or panics after `timeout`.
pub async fn wait_for_count(db: &TestDb, sql: &str, want: i64, timeout: Duration) {
    let owner = db.owner().await.unwrap();
    let started = Instant::now();
    loop {
        let n: i64 = owner.query_one(sql, &[]).await.unwrap().get(0);
        if n == want {
            return;
        }
        assert!(
            started.elapsed() < timeout,
            "{sql}: still {n}, wanted {want}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn count(db: &TestDb, sql: &str) -> i64 {
    db.owner()
        .await
        .unwrap()
        .query_one(sql, &[])
        .await
        .unwrap()
        .get(0)
}
