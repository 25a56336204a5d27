//! Readiness: the database answers and its schema is current.
//!
//! The answer is cached for [`READY_TTL`] and computed by one caller at a time: a flood of
//! probes (or of clients hammering the public route) costs at most about one database
//! round trip per second per instance instead of one pooled connection per request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use omnicrm_problem::AppError;
use omnicrm_repo::{Db, migrations};
use tokio::sync::Mutex;

/// How long a readiness answer (good or bad) is reused.
pub const READY_TTL: Duration = Duration::from_secs(1);

/// The last readiness answer and when it was found.
#[derive(Debug)]
struct Checked {
    at: Instant,
    outcome: Result<(), AppError>,
}

/// Checks what a load balancer needs to know before sending traffic.
#[derive(Debug, Clone)]
pub struct HealthService {
    db: Db,
    /// Held while checking, so concurrent callers wait for one check instead of each
    /// starting their own.
    last: Arc<Mutex<Option<Checked>>>,
    checks: Arc<AtomicU64>,
}

impl HealthService {
    /// Wraps the database handle.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            last: Arc::new(Mutex::new(None)),
            checks: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How many times the database was actually asked (for tests and metrics).
    pub fn database_checks(&self) -> u64 {
        self.checks.load(Ordering::Relaxed)
    }

    /// `Ok` when the database is reachable and no embedded migration is pending; the
    /// answer may be up to [`READY_TTL`] old.
    pub async fn ready(&self) -> Result<(), AppError> {
        let mut last = self.last.lock().await;
        if let Some(checked) = last.as_ref().filter(|c| c.at.elapsed() < READY_TTL) {
            return copy(&checked.outcome);
        }
        let outcome = self.check().await;
        let answer = copy(&outcome);
        *last = Some(Checked {
            at: Instant::now(),
            outcome,
        });
        answer
    }

    async fn check(&self) -> Result<(), AppError> {
        self.checks.fetch_add(1, Ordering::Relaxed);
        let pending = self
            .db
            .unscoped(|conn| {
                async move {
                    let expected = crate::migrate::embedded_versions();
                    migrations::pending_on(conn, &expected)
                        .await
                        .map_err(AppError::unavailable)
                }
                .boxed()
            })
            .await?;
        if pending > 0 {
            return Err(
                AppError::new(omnicrm_problem::ErrorCode::Unavailable).with_detail(format!(
                    "{pending} database migrations are pending; run `omnicrm-server migrate`"
                )),
            );
        }
        Ok(())
    }
}

fn copy(outcome: &Result<(), AppError>) -> Result<(), AppError> {
    match outcome {
        Ok(()) => Ok(()),
        Err(err) => Err(err.copy_with_cause_as_text()),
    }
}
