//! `maintenance.storage_sweep`: the daily sweep of stored objects (see
//! `crate::user_data::sweep_storage`): unreferenced objects past the grace period,
//! onboarding uploads of links that expired unused, expired export archives.

use std::time::Duration;

use omnicrm_jobs::{Job, JobContext, JobError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::JobsAppContext;

/// Payload of `maintenance.storage_sweep`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageSweep {
    /// How old an unreferenced object must be before it is deleted (at least 1 hour).
    #[serde(default = "default_grace_hours")]
    pub grace_hours: u32,
}

fn default_grace_hours() -> u32 {
    24
}

impl Job for StorageSweep {
    const KIND: &'static str = "maintenance.storage_sweep";
    const QUEUE: &'static str = "maintenance";
    const TIMEOUT: Duration = Duration::from_secs(30 * 60);
    type Context = JobsAppContext;

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let grace = Duration::from_secs(u64::from(self.grace_hours.max(1)) * 3600);
        let summary = crate::user_data::sweep_storage(&ctx.app.db, &ctx.app.store, grace)
            .await
            .map_err(JobError::retry)?;
        serde_json::to_value(summary).map_err(JobError::permanent)
    }
}
