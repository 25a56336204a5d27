//! `google.normalise`: turns a sync run's pending raw events into interactions linked to
//! contacts and counts them in the run's ledger. Enqueued by the sync jobs through
//! [`crate::google::normalise::enqueue_normalise`].

use std::time::Duration;

use omnicrm_domain::UserId;
use omnicrm_jobs::{Job, JobContext, JobError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::JobsAppContext;

/// Payload of `google.normalise` (the user is the job's `user_id`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoogleNormalise {
    /// The sync run (its ledger row's id, the raw events' `batch_id`).
    pub batch_id: Uuid,
}

impl Job for GoogleNormalise {
    const KIND: &'static str = "google.normalise";
    const QUEUE: &'static str = "default";
    const TIMEOUT: Duration = Duration::from_secs(30 * 60);
    type Context = JobsAppContext;

    /// One normaliser per run at a time (a second one would only wait on the row locks).
    fn concurrency(&self) -> Option<(String, i32)> {
        Some((format!("google.normalise:{}", self.batch_id), 1))
    }

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let user = ctx
            .user_id
            .map(UserId::from)
            .ok_or_else(|| JobError::permanent("google.normalise needs the job's user"))?;
        // Every chunk commits on its own: a retry continues with what is still pending.
        let report = crate::google::normalise::normalise_batch(&ctx.app.db, user, self.batch_id)
            .await
            .map_err(JobError::retry)?;
        serde_json::to_value(report).map_err(JobError::permanent)
    }
}
