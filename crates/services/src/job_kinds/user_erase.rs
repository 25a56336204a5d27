//! `user_data.erase`: deletes a retired tenant in batches after a hide-first erasure
//! (`DELETE /user` answered `202`), then its files, and completes the receipt. Resumable:
//! every batch commits on its own and the whole job is idempotent, so a run stopped at any
//! point (a killed worker's lease expires and another run picks it up) carries on.

use std::time::Duration;

use omnicrm_jobs::{Job, JobContext, JobError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::JobsAppContext;

/// Payload of `user_data.erase`. The job has no `user_id`: it belongs to no tenant (a
/// later erasure of the account's fresh tenant must not purge it), and its payload names
/// only the receipt, whose retired tenant it looks up.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserErase {
    /// The erasure receipt to complete.
    pub receipt_id: Uuid,
}

impl Job for UserErase {
    const KIND: &'static str = "user_data.erase";
    const QUEUE: &'static str = "default";
    const PRIORITY: i16 = 10;
    /// Erasure must finish: a failing run (an unreachable database) is retried for hours.
    const MAX_ATTEMPTS: i32 = 25;
    const TIMEOUT: Duration = Duration::from_secs(30 * 60);
    type Context = JobsAppContext;

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let summary =
            crate::user_data::finish_erasure(&ctx.app.db, &ctx.app.store, self.receipt_id)
                .await
                .map_err(JobError::retry)?;
        Ok(json!({ "receiptId": self.receipt_id, "rows": summary.rows, "files": summary.files }))
    }
}
