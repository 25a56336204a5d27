//! `user_data.export`: writes an asynchronous export (`POST /user/export`) to storage and
//! marks it ready. Enqueued in the transaction that records the export.

use std::time::Duration;

use omnicrm_domain::UserId;
use omnicrm_jobs::{Job, JobContext, JobError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::JobsAppContext;

/// Payload of `user_data.export` (the user is the job's `user_id`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserExport {
    /// The `user_exports` row to fill.
    pub export_id: Uuid,
    /// The sign-in session that requested it (recorded with the export).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

impl Job for UserExport {
    const KIND: &'static str = "user_data.export";
    const QUEUE: &'static str = "default";
    const TIMEOUT: Duration = Duration::from_secs(30 * 60);
    type Context = JobsAppContext;

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let user = ctx
            .user_id
            .map(UserId::from)
            .ok_or_else(|| JobError::permanent("user_data.export needs the job's user"))?;
        // A failure is recorded on the export (the user requests a new one): not retried.
        crate::user_data::build_export(
            &ctx.app.db,
            &ctx.app.store,
            user,
            self.export_id,
            self.session_id,
        )
        .await
        .map_err(JobError::permanent)?;
        Ok(json!({ "exportId": self.export_id }))
    }
}
