//! `google.token_reseal`: re-seals every stored Google token under the current key of
//! `OMNICRM_ENCRYPTION_KEYS` after a rotation (docs/adr/0037). The worker enqueues it at
//! start-up when it finds a token sealed under another key id
//! ([`enqueue_token_reseal_if_needed`]); operators can also rely on the next start-up
//! after prepending a key. One at a time (unique key); safe to run again.

use std::time::Duration;

use futures_util::FutureExt;
use omnicrm_integrations::TokenVault;
use omnicrm_jobs::{EnqueueOptions, Job, JobContext, JobError, UniqueMode, enqueue};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::JobsAppContext;
use crate::google::reseal::{RESEAL_BATCH, reseal_needed, reseal_tokens};

/// Payload of `google.token_reseal` (none: the key comes from the worker's configuration).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoogleTokenReseal {}

impl Job for GoogleTokenReseal {
    const KIND: &'static str = "google.token_reseal";
    const QUEUE: &'static str = "maintenance";
    const TIMEOUT: Duration = Duration::from_secs(30 * 60);
    type Context = JobsAppContext;

    fn unique(&self) -> Option<(String, UniqueMode)> {
        Some((Self::KIND.to_owned(), UniqueMode::Skip))
    }

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        // Each row commits on its own: a retry lists only what is still stale.
        let report = reseal_tokens(&ctx.app.db, &ctx.app.google.vault, RESEAL_BATCH)
            .await
            .map_err(JobError::retry)?;
        serde_json::to_value(report).map_err(JobError::permanent)
    }
}

/// Enqueues `google.token_reseal` when some Google token is not sealed under `vault`'s
/// current key (run at the worker's start-up). Returns the job's id, `None` when nothing
/// is stale or the job is already queued or running.
pub async fn enqueue_token_reseal_if_needed(
    db: &Db,
    vault: &TokenVault,
) -> Result<Option<Uuid>, AppError> {
    if !reseal_needed(db, vault).await? {
        return Ok(None);
    }
    db.unscoped(move |conn| {
        async move {
            enqueue(conn, &GoogleTokenReseal {}, &EnqueueOptions::default())
                .await
                .map_err(AppError::from)
        }
        .boxed()
    })
    .await
}
