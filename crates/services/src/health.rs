//! Readiness: the database answers and its schema is current.

use futures_util::FutureExt;
use omnicrm_problem::AppError;
use omnicrm_repo::{Db, migrations};

/// Checks what a load balancer needs to know before sending traffic.
#[derive(Debug, Clone)]
pub struct HealthService {
    db: Db,
}

impl HealthService {
    /// Wraps the database handle.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// `Ok` when the database is reachable and no embedded migration is pending.
    pub async fn ready(&self) -> Result<(), AppError> {
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
