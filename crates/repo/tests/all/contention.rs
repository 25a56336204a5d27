//! Transactions that PostgreSQL aborts because of a concurrent one (here: a deadlock on
//! two advisory locks taken in opposite orders) are 503 `unavailable` with a retry hint,
//! and `Db::tenant_retrying` runs them again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use diesel::sql_query;
use diesel_async::RunQueryDsl;
use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use omnicrm_repo::{
    AsyncPgConnection, CONTENTION_ATTEMPTS, Db, DbSettings, TenantFuture, build_pool,
};
use omnicrm_testkit::TestDb;
use tokio::sync::Barrier;

fn db(test_db: &TestDb) -> Db {
    let mut settings = DbSettings::new(test_db.app_url.clone());
    settings.pool_size = 4;
    Db::new(build_pool(&settings).unwrap(), Duration::from_secs(20))
}

/// One side of the deadlock: takes advisory lock `first`, waits on its first attempt until
/// the other side holds its own first lock, then takes `second`.
struct Side {
    first: i64,
    second: i64,
    barrier: Arc<Barrier>,
    attempts: AtomicU32,
}

impl Side {
    fn pair() -> (Arc<Self>, Arc<Self>) {
        let barrier = Arc::new(Barrier::new(2));
        let side = |first, second| {
            Arc::new(Self {
                first,
                second,
                barrier: barrier.clone(),
                attempts: AtomicU32::new(0),
            })
        };
        (side(1, 2), side(2, 1))
    }

    fn run<'c>(self: &Arc<Self>, conn: &'c mut AsyncPgConnection) -> TenantFuture<'c, ()> {
        let side = self.clone();
        async move {
            // (RunQueryDsl's `load` shadows AtomicU32's: qualified calls.)
            let attempt = AtomicU32::fetch_add(&side.attempts, 1, Ordering::SeqCst) + 1;
            lock(conn, side.first).await?;
            if attempt == 1 {
                side.barrier.wait().await;
            }
            lock(conn, side.second).await
        }
        .boxed()
    }
}

async fn lock(conn: &mut AsyncPgConnection, key: i64) -> Result<(), AppError> {
    sql_query(format!("SELECT pg_advisory_xact_lock({key})"))
        .execute(conn)
        .await
        .map(drop)
        .map_err(omnicrm_repo::map_diesel_error)
}

#[tokio::test]
async fn a_deadlock_victim_is_503_with_a_retry_hint() {
    let test_db = TestDb::new().await.unwrap();
    let db = db(&test_db);
    let user = UserId::from(uuid::Uuid::now_v7());
    let (a, b) = Side::pair();
    let (ra, rb) = tokio::join!(
        db.tenant(user, |conn| a.run(conn)),
        db.tenant(user, |conn| b.run(conn)),
    );
    let victim = match (ra, rb) {
        (Ok(()), Err(err)) | (Err(err), Ok(())) => err,
        other => panic!("expected exactly one deadlock victim, got {other:?}"),
    };
    assert!(victim.is_contention(), "{victim:?}");
    assert_eq!(victim.status(), 503);
    assert_eq!(victim.retry_after_secs(), Some(1));
    assert!(!victim.detail().unwrap().contains("deadlock"));
}

#[tokio::test]
async fn a_deadlock_victim_is_run_again() {
    let test_db = TestDb::new().await.unwrap();
    let db = db(&test_db);
    let user = UserId::from(uuid::Uuid::now_v7());
    let (a, b) = Side::pair();
    let (ra, rb) = tokio::join!(
        db.tenant_retrying(user, |conn| a.run(conn)),
        db.tenant_retrying(user, |conn| b.run(conn)),
    );
    ra.unwrap();
    rb.unwrap();
    let attempts = AtomicU32::load(&a.attempts, Ordering::SeqCst)
        + AtomicU32::load(&b.attempts, Ordering::SeqCst);
    assert_eq!(attempts, 3, "the victim ran twice, the winner once");
    assert_eq!(db.contention_retries(), 1);
}

/// Runs a body that always fails with `error()` through `tenant_retrying`; returns the
/// final error and how many times the body ran.
async fn attempts_failing_with(error: fn() -> AppError) -> (AppError, u32) {
    let test_db = TestDb::new().await.unwrap();
    let db = db(&test_db);
    let user = UserId::from(uuid::Uuid::now_v7());
    let attempts = AtomicU32::new(0);
    let result: Result<(), AppError> = db
        .tenant_retrying(user, |_conn| {
            attempts.fetch_add(1, Ordering::SeqCst);
            async move { Err(error()) }.boxed()
        })
        .await;
    (
        result.unwrap_err(),
        AtomicU32::load(&attempts, Ordering::SeqCst),
    )
}

#[tokio::test]
async fn retrying_gives_up_after_a_few_attempts() {
    let (err, attempts) = attempts_failing_with(|| AppError::contention("always aborted")).await;
    assert!(err.is_contention());
    assert_eq!(attempts, CONTENTION_ATTEMPTS);
}

#[tokio::test]
async fn other_errors_are_not_retried() {
    let (err, attempts) = attempts_failing_with(|| AppError::conflict("taken")).await;
    assert_eq!((err.status(), attempts), (409, 1));
}
