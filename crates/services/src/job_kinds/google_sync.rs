//! `google.sync`: one Gmail or Calendar sync run of one user (docs/adr/0029). Enqueued by
//! the service's recurring schedule, by "sync now" and by the OAuth callback; they share
//! the concurrency key `google-sync:<service>:<user>`, so one runs at a time.

use std::time::Duration;

use omnicrm_domain::UserId;
use omnicrm_domain::google::GoogleService;
use omnicrm_jobs::{Job, JobContext, JobError, UniqueMode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::JobsAppContext;
use crate::google::sync::{SyncTrigger, concurrency_key, run_sync};

/// Payload of `google.sync`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoogleSync {
    /// The user whose service is synced (also the job's `user_id`).
    pub user_id: Uuid,
    /// `gmail` or `calendar`.
    pub service: GoogleService,
    /// What enqueued it (recorded in the run's ledger).
    pub trigger: SyncTrigger,
}

impl Job for GoogleSync {
    const KIND: &'static str = "google.sync";
    const QUEUE: &'static str = "default";
    /// Snoozes (429, breaker) do not spend attempts; these are failures of our own side.
    const MAX_ATTEMPTS: i32 = 10;
    /// A backfill checkpoints every page, so a run cut by the timeout resumes.
    const TIMEOUT: Duration = Duration::from_secs(60 * 60);
    type Context = JobsAppContext;

    fn unique(&self) -> Option<(String, UniqueMode)> {
        // A "sync now" while one is queued or running is that one. Scheduled ticks have
        // their own key (`cron:<name>`), so a tick and a click can both be queued; the
        // concurrency key keeps them apart and the second finds little left to read.
        (self.trigger != SyncTrigger::Schedule).then(|| {
            (
                format!(
                    "{}:{}",
                    concurrency_key(self.service, self.user_id),
                    self.trigger.as_str()
                ),
                UniqueMode::Skip,
            )
        })
    }

    fn concurrency(&self) -> Option<(String, i32)> {
        Some((concurrency_key(self.service, self.user_id), 1))
    }

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let user = ctx
            .user_id
            .filter(|u| *u == self.user_id)
            .map(UserId::from)
            .ok_or_else(|| JobError::permanent("google.sync needs its user"))?;
        run_sync(
            &ctx.app.db,
            &ctx.app.google,
            user,
            self.service,
            self.trigger,
            ctx.job_id,
        )
        .await
    }
}
