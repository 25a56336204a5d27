//! A thread that opened a pool of its own (`Db::open_thread_pool`, what each HTTP worker
//! does) checks its connections out of it, opened and driven on its own runtime; every
//! other thread shares the handle's pool.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use diesel::sql_query;
use diesel_async::RunQueryDsl;
use omnicrm_repo::{Db, DbSettings, build_pool};
use omnicrm_testkit::TestDb;

fn settings(test_db: &TestDb, pool_size: usize) -> DbSettings {
    let mut settings = DbSettings::new(test_db.app_url.clone());
    settings.pool_size = pool_size;
    settings
}

/// On a new thread with its own runtime, like an actix-web worker: optionally opens the
/// thread's pool, runs a query on a checked-out connection and reports the pool the thread
/// used (its maximum size and how many connections it has open).
fn on_worker_thread(db: &Db, open_own_pool: bool) -> (usize, usize) {
    let db = db.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        if open_own_pool {
            db.open_thread_pool().unwrap();
        }
        runtime.block_on(async {
            let mut conn = db.conn().await.unwrap();
            sql_query("SELECT 1").execute(&mut conn).await.unwrap();
            let status = db.pool().status();
            (status.max_size, status.size)
        })
    })
    .join()
    .unwrap()
}

#[tokio::test]
async fn a_worker_thread_with_its_own_pool_leaves_the_shared_one_alone() {
    let test_db = TestDb::new().await.unwrap();
    let db = Db::new(
        build_pool(&settings(&test_db, 3)).unwrap(),
        Duration::from_secs(20),
    )
    .with_thread_pools(settings(&test_db, 1));

    assert_eq!(on_worker_thread(&db, true), (1, 1), "the worker's own pool");
    assert_eq!(
        on_worker_thread(&db, true),
        (1, 1),
        "another worker's own pool"
    );
    let shared = db.pool().status();
    assert_eq!(
        (shared.max_size, shared.size),
        (3, 0),
        "nothing opened in the shared pool"
    );

    assert_eq!(
        on_worker_thread(&db, false),
        (3, 1),
        "a thread that opened no pool shares the handle's"
    );
    let mut conn = db.conn().await.unwrap();
    sql_query("SELECT 1").execute(&mut conn).await.unwrap();
}

#[tokio::test]
async fn without_thread_pools_every_thread_shares_the_handles_pool() {
    let test_db = TestDb::new().await.unwrap();
    let db = Db::new(
        build_pool(&settings(&test_db, 3)).unwrap(),
        Duration::from_secs(20),
    );

    assert_eq!(on_worker_thread(&db, true), (3, 1));
    assert_eq!(db.pool().status().size, 1);
}
