//! `maintenance.idempotency_sweep`: deletes idempotency keys past their 24 hours
//! (`crate::idempotency`), every user's at once.

use std::time::Duration;

use omnicrm_jobs::{Job, JobContext, JobError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::JobsAppContext;

/// Payload of `maintenance.idempotency_sweep` (none).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IdempotencySweep {}

impl Job for IdempotencySweep {
    const KIND: &'static str = "maintenance.idempotency_sweep";
    const QUEUE: &'static str = "maintenance";
    const TIMEOUT: Duration = Duration::from_secs(5 * 60);
    type Context = JobsAppContext;

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let swept = crate::idempotency::IdempotencyService::sweep(&ctx.app.db)
            .await
            .map_err(JobError::retry)?;
        Ok(json!({ "swept": swept }))
    }
}
