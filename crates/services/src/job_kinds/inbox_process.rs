//! `inbox.process`: turns a queued inbox item into suggested tasks awaiting approval
//! (`POST /omni-momentum/inbox` with `"queue": true`). Enqueued in the capture's transaction;
//! run by the worker, or by `POST /cron/process-inbox` on deployments without one.

use std::time::Duration;

use omnicrm_domain::{InboxItemId, UserId};
use omnicrm_jobs::{Job, JobContext, JobError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::JobsAppContext;

/// Payload of `inbox.process` (the user is the job's `user_id`; the text stays in the row).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxProcess {
    /// The item to process.
    pub item_id: InboxItemId,
}

impl Job for InboxProcess {
    const KIND: &'static str = "inbox.process";
    const QUEUE: &'static str = "inbox";
    const TIMEOUT: Duration = Duration::from_secs(60);
    type Context = JobsAppContext;

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let user = ctx
            .user_id
            .map(UserId::from)
            .ok_or_else(|| JobError::permanent("inbox.process needs the job's user"))?;
        // Processing an item twice is harmless (the second run finds it processed), so a
        // failure is retried.
        let tasks = crate::tasks::process_queued(&ctx.app.db, user, self.item_id)
            .await
            .map_err(JobError::retry)?;
        Ok(json!({ "itemId": self.item_id, "tasks": tasks }))
    }
}

/// Only `inbox.process`: the registry of the inbox's cron drain.
pub fn inbox_registry() -> omnicrm_jobs::Registry<JobsAppContext> {
    omnicrm_jobs::Registry::new().register::<InboxProcess>()
}
