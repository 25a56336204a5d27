//! `contacts.import`: writes a contact import (`POST /contacts/import`) and records its
//! report. Enqueued in the transaction that records the import.

use std::time::Duration;

use omnicrm_domain::UserId;
use omnicrm_jobs::{Job, JobContext, JobError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::JobsAppContext;
use crate::phone::PhoneRegion;

/// Payload of `contacts.import` (the user is the job's `user_id`; the file waits in the
/// import's row, never in the payload).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactImport {
    /// The `contact_imports` row to write.
    pub import_id: Uuid,
    /// The server's default phone region when the import was requested (the duplicate
    /// guard reads numbers without a country code in it).
    pub region: String,
}

impl Job for ContactImport {
    const KIND: &'static str = "contacts.import";
    const QUEUE: &'static str = "default";
    const TIMEOUT: Duration = Duration::from_secs(30 * 60);
    type Context = JobsAppContext;

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let user = ctx
            .user_id
            .map(UserId::from)
            .ok_or_else(|| JobError::permanent("contacts.import needs the job's user"))?;
        let region: PhoneRegion = self.region.parse().map_err(JobError::permanent)?;
        // A failure is recorded on the import (the user uploads again): not retried.
        crate::contacts::run_import(&ctx.app.db, region, user, self.import_id)
            .await
            .map_err(JobError::permanent)?;
        Ok(json!({ "importId": self.import_id }))
    }
}
