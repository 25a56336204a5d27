//! The CRM's background job kinds and the context their handlers share.
//!
//! CRM job kinds register here: add `.register::<YourJob>()` to [`registry`] (with
//! `type Context = JobsAppContext`). Every runner (the worker, `POST /jobs/runner` and the
//! cron drain) executes exactly the kinds this registry knows; a claimed job whose kind is
//! not registered fails permanently (dead).

mod contact_import;
mod echo;
pub mod embeddings;
mod google_normalise;
mod google_sync;
mod google_token_reseal;
mod history_retention;
mod idempotency_sweep;
mod inbox_process;
pub mod insights;
mod storage_sweep;
mod user_erase;
mod user_export;

use std::sync::Arc;

use omnicrm_integrations::BlobStore;
use omnicrm_jobs::Registry;
use omnicrm_repo::Db;

pub use contact_import::ContactImport;
pub use echo::Echo;
pub use embeddings::{EmbeddingsBackfill, EmbeddingsSync};
pub use google_normalise::GoogleNormalise;
pub use google_sync::GoogleSync;
pub use google_token_reseal::{GoogleTokenReseal, enqueue_token_reseal_if_needed};
pub use history_retention::HistoryRetention;
pub use idempotency_sweep::IdempotencySweep;
pub use inbox_process::{InboxProcess, inbox_registry};
pub use insights::{InsightsContact, InsightsRefresh};
pub use storage_sweep::StorageSweep;
pub use user_erase::UserErase;
pub use user_export::UserExport;

/// What job handlers get besides their payload.
#[derive(Debug, Clone)]
pub struct JobsAppContext {
    /// The database handle (open the tenant's transaction with the job's user id).
    pub db: Db,
    /// Stored files (export archives, the storage sweep).
    pub store: Arc<dyn BlobStore>,
    /// Google's endpoints and the token vault (sync jobs, token re-sealing, erasure's
    /// revocation through `google::forget_google_grants`).
    pub google: omnicrm_integrations::google::Google,
    /// The embedder (if any) and vector cache of semantic search (the embedding jobs).
    pub semantic: crate::semantic::SemanticIndex,
    /// The AI provider behind the users' limits (insight and embedding jobs reschedule
    /// when a limit or the provider's 429 says so); unconfigured without an API key.
    pub ai: crate::ai::AiService,
}

/// Every job kind the CRM runs.
pub fn registry() -> Registry<JobsAppContext> {
    Registry::new()
        .register::<Echo>()
        .register::<HistoryRetention>()
        .register::<UserExport>()
        .register::<StorageSweep>()
        .register::<IdempotencySweep>()
        .register::<ContactImport>()
        .register::<InboxProcess>()
        .register::<GoogleNormalise>()
        .register::<GoogleSync>()
        .register::<UserErase>()
        .register::<EmbeddingsSync>()
        .register::<EmbeddingsBackfill>()
        .register::<GoogleTokenReseal>()
        .register::<InsightsContact>()
        .register::<InsightsRefresh>()
}

/// Installs the recurring schedules the CRM relies on (idempotent; run at start-up).
pub async fn ensure_schedules(db: &Db) -> Result<(), omnicrm_problem::AppError> {
    use futures_util::FutureExt;
    use omnicrm_jobs::{Job as _, Schedule, upsert_schedule};

    let retention = Schedule {
        name: "job-history-retention".to_owned(),
        cron: "17 3 * * *".to_owned(),
        timezone: "UTC".to_owned(),
        kind: HistoryRetention::KIND.to_owned(),
        queue: HistoryRetention::QUEUE.to_owned(),
        payload: serde_json::json!({ "keepMonths": 3 }),
        skip_if_running: true,
        user_id: None,
        concurrency_key: None,
    };
    let sweep = Schedule {
        name: "storage-sweep".to_owned(),
        cron: "41 3 * * *".to_owned(),
        timezone: "UTC".to_owned(),
        kind: StorageSweep::KIND.to_owned(),
        queue: StorageSweep::QUEUE.to_owned(),
        payload: serde_json::json!({ "graceHours": 24 }),
        skip_if_running: true,
        user_id: None,
        concurrency_key: None,
    };
    // Hourly: expired keys are ignored anyway; the sweep only keeps the table small.
    let idempotency_sweep = Schedule {
        name: "idempotency-sweep".to_owned(),
        cron: "23 * * * *".to_owned(),
        timezone: "UTC".to_owned(),
        kind: IdempotencySweep::KIND.to_owned(),
        queue: IdempotencySweep::QUEUE.to_owned(),
        payload: serde_json::json!({}),
        skip_if_running: true,
        user_id: None,
        concurrency_key: None,
    };
    db.unscoped(move |conn| {
        async move {
            let now = time::OffsetDateTime::now_utc();
            for schedule in [&retention, &sweep, &idempotency_sweep] {
                upsert_schedule(conn, schedule, now)
                    .await
                    .map_err(omnicrm_problem::AppError::from)?;
            }
            Ok(())
        }
        .boxed()
    })
    .await
}
