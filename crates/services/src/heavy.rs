//! Per-user concurrency limit of heavy routes (uploads, exports, bulk operations), so one
//! user cannot tie up the server's connections, CPU and disk at the others' expense.
//!
//! Counted in Postgres (`heavy_request_leases`), so the limit holds across every server
//! instance: a request takes a lease before it reads its body and gives it back when it
//! ends (a streamed download: when the stream ends). A lease left behind by a crashed
//! instance stops counting after [`LEASE_TTL`]. Like the rate limiter, it fails closed:
//! when the database cannot be asked, the request is refused with 503.

use std::time::Duration;

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::HeavyLeases;
use uuid::Uuid;

/// How long a lease counts at most (longer requests stop counting after it).
pub const LEASE_TTL: Duration = Duration::from_secs(15 * 60);
/// `Retry-After` of a refused request: heavy requests take seconds, not minutes.
pub const RETRY_AFTER_SECS: u64 = 2;
/// Default of `OMNICRM_HEAVY_CONCURRENCY`.
pub const DEFAULT_HEAVY_CONCURRENCY: u32 = 3;

/// Admits at most `limit` heavy requests per user at a time.
#[derive(Debug, Clone)]
pub struct HeavyLimiter {
    db: Db,
    limit: u32,
}

impl HeavyLimiter {
    /// `limit` heavy requests per user at once (at least 1).
    pub fn new(db: Db, limit: u32) -> Self {
        Self {
            db,
            limit: limit.max(1),
        }
    }

    /// Takes one of `user`'s slots; 429 `rate_limited` with `Retry-After` when all are in
    /// use, 503 when the database cannot be asked. The slot is given back when the permit
    /// is dropped.
    pub async fn acquire(&self, user: UserId) -> Result<HeavyPermit, AppError> {
        let lease = Uuid::now_v7();
        let bucket = format!("user:{user}");
        let limit = i32::try_from(self.limit).unwrap_or(i32::MAX);
        let ttl = i32::try_from(LEASE_TTL.as_secs()).unwrap_or(i32::MAX);
        let admitted = self
            .db
            .unscoped(move |conn| {
                async move { HeavyLeases::acquire(conn, &bucket, lease, limit, ttl).await }.boxed()
            })
            .await
            .map_err(|err| {
                tracing::warn!(error = %err, "heavy-request limiter unavailable: refusing");
                AppError::unavailable(err)
            })?;
        if !admitted {
            return Err(
                AppError::rate_limited(RETRY_AFTER_SECS).with_detail(format!(
                    "at most {} uploads, exports or bulk operations of one user may run at once; retry after {RETRY_AFTER_SECS} s",
                    self.limit
                )),
            );
        }
        Ok(HeavyPermit {
            db: Some(self.db.clone()),
            lease,
        })
    }
}

/// A held slot; dropping it gives the slot back (in the background).
#[derive(Debug)]
pub struct HeavyPermit {
    db: Option<Db>,
    lease: Uuid,
}

impl Drop for HeavyPermit {
    fn drop(&mut self) {
        let Some(db) = self.db.take() else { return };
        let lease = self.lease;
        let release = async move {
            let released = db
                .unscoped(move |conn| {
                    async move { HeavyLeases::release(conn, lease).await }.boxed()
                })
                .await;
            if let Err(err) = released {
                // The lease stops counting at its expiry anyway.
                tracing::warn!(error = %err, "could not release a heavy-request lease");
            }
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(release);
        }
    }
}
