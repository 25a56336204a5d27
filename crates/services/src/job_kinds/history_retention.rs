//! `maintenance.job_history_retention`: drops whole months of job history older than the
//! retention (default 3 months) and makes sure the coming months' partitions exist.

use futures_util::FutureExt;
use omnicrm_jobs::{Job, JobContext, JobError, store};
use omnicrm_problem::AppError;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::JobsAppContext;

/// Payload of `maintenance.job_history_retention`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRetention {
    /// Months of history to keep (at least 1).
    #[serde(default = "default_months")]
    pub keep_months: u8,
}

fn default_months() -> u8 {
    3
}

impl Job for HistoryRetention {
    const KIND: &'static str = "maintenance.job_history_retention";
    const QUEUE: &'static str = "maintenance";
    type Context = JobsAppContext;

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let keep = i32::from(self.keep_months.max(1));
        let today = time::OffsetDateTime::now_utc().date();
        let first_of_month = today.replace_day(1).map_err(JobError::permanent)?;
        let cutoff = (0..keep).try_fold(first_of_month, |d, _| {
            d.previous_day().and_then(|last| last.replace_day(1).ok())
        });
        let cutoff =
            cutoff.ok_or_else(|| JobError::permanent("retention reaches before year 1"))?;
        let dropped = ctx
            .app
            .db
            .unscoped(move |conn| {
                async move {
                    store::ensure_history_partitions(conn, 3)
                        .await
                        .map_err(AppError::from)?;
                    store::drop_history_before(conn, cutoff)
                        .await
                        .map_err(AppError::from)
                }
                .boxed()
            })
            .await
            .map_err(JobError::retry)?;
        Ok(json!({ "droppedPartitions": dropped, "cutoff": cutoff.to_string() }))
    }
}
