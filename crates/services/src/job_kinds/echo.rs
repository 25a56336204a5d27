//! `diagnostics.echo`: waits `ms` milliseconds and returns its payload. Operators enqueue it
//! to check that workers are alive end to end; the chaos tests use it as a job that is
//! mid-run when a worker is killed.

use std::time::Duration;

use omnicrm_jobs::{Job, JobContext, JobError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::JobsAppContext;

/// Payload of `diagnostics.echo`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Echo {
    /// How long to "work" (capped at 60 s).
    #[serde(default)]
    pub ms: u64,
    /// Returned as the result.
    #[serde(default)]
    pub message: Value,
}

impl Job for Echo {
    const KIND: &'static str = "diagnostics.echo";
    const QUEUE: &'static str = "default";
    const TIMEOUT: Duration = Duration::from_secs(90);
    type Context = JobsAppContext;

    async fn run(self, _ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        tokio::time::sleep(Duration::from_millis(self.ms.min(60_000))).await;
        Ok(self.message)
    }
}
