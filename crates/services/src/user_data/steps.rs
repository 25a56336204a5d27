//! Erasure steps outside the tables: whatever else holds a user's data (grants at a third
//! party, sealed tokens, per-tenant caches). The runtime composes them onto
//! [`UserDataService::with_erasure_step`]; erasure runs each after the rows and files are
//! gone, best effort, and records each outcome in the receipt.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use omnicrm_domain::UserId;
use omnicrm_domain::user_data::{ErasureStepOutcome, ErasureStepRecord};
use omnicrm_problem::AppError;

/// How long one step may take before it counts as failed.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// Something erasure must also remove for a user, outside the tenant tables and the file
/// store. Implement it next to the data it removes (e.g. a Google grant revoker, a vector
/// cache) and register it with [`super::UserDataService::with_erasure_step`].
pub trait ErasureStep: Send + Sync + fmt::Debug {
    /// Stable name shown in the receipt (`google-grants`, `vector-cache`).
    fn name(&self) -> &'static str;

    /// Removes or revokes everything of `user` this step knows; returns how many things
    /// (grants, entries). Must be idempotent: erasing again runs it again. It runs after
    /// the user's rows are gone, so it must not need them.
    fn erase(&self, user: UserId) -> BoxFuture<'_, Result<u64, AppError>>;

    /// Whether the step needs the user's rows (a grant is revoked with the token the rows
    /// hold): such a step runs before the rows go, still best effort, and a failure never
    /// stops the erasure.
    fn needs_rows(&self) -> bool {
        false
    }

    /// How many things of `user` this step still holds (entries of an in-memory cache,
    /// grants), if it can tell: `Some(0)` after a successful [`ErasureStep::erase`]. The
    /// test listing every place a user's data could live asks every registered step, so a
    /// per-tenant cache that registers a step is checked without the test knowing it.
    /// `None` (the default): the step holds nothing it could count (a third party's state).
    fn remaining(&self, user: UserId) -> BoxFuture<'_, Result<Option<u64>, AppError>> {
        let _ = user;
        Box::pin(async { Ok(None) })
    }
}

/// A step from a name and a function (for steps that are one call).
pub struct FnStep<F> {
    name: &'static str,
    erase: F,
}

impl<F> FnStep<F>
where
    F: Fn(UserId) -> BoxFuture<'static, Result<u64, AppError>> + Send + Sync,
{
    /// The step `name` running `erase`.
    pub fn new(name: &'static str, erase: F) -> Self {
        Self { name, erase }
    }
}

impl<F> fmt::Debug for FnStep<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnStep").field("name", &self.name).finish()
    }
}

impl<F> ErasureStep for FnStep<F>
where
    F: Fn(UserId) -> BoxFuture<'static, Result<u64, AppError>> + Send + Sync,
{
    fn name(&self) -> &'static str {
        self.name
    }

    fn erase(&self, user: UserId) -> BoxFuture<'_, Result<u64, AppError>> {
        (self.erase)(user)
    }
}

/// Runs every step in order (each under [`STEP_TIMEOUT`]); a failure is logged and
/// recorded, never stops the others.
pub(super) async fn run_all(
    steps: &[Arc<dyn ErasureStep>],
    user: UserId,
    needing_rows: bool,
) -> Vec<ErasureStepRecord> {
    let mut records = Vec::with_capacity(steps.len());
    for step in steps.iter().filter(|s| s.needs_rows() == needing_rows) {
        let outcome = match tokio::time::timeout(STEP_TIMEOUT, step.erase(user)).await {
            Ok(Ok(removed)) => Ok(removed),
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err(format!("timed out after {STEP_TIMEOUT:?}")),
        };
        records.push(match outcome {
            Ok(removed) => ErasureStepRecord {
                name: step.name().to_owned(),
                outcome: ErasureStepOutcome::Succeeded,
                removed: i64::try_from(removed).unwrap_or(i64::MAX),
            },
            Err(error) => {
                tracing::warn!(user = %user, step = step.name(), error = %error,
                    "an erasure step failed; recorded in the receipt");
                ErasureStepRecord {
                    name: step.name().to_owned(),
                    outcome: ErasureStepOutcome::Failed,
                    removed: 0,
                }
            }
        });
    }
    records
}
