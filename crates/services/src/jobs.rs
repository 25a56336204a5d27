//! Inspecting and steering a user's background jobs, and draining the queue on demand.
//!
//! Job tables are not tenant tables (no RLS): every statement here runs `unscoped` and is
//! restricted to the caller's user id explicitly.
//!
//! Drains run **detached** from the request that asked for them: the HTTP handler awaits
//! the drain's task, and a caller that disconnects only stops waiting, so no handler is
//! dropped half-way through its side effects. A semaphore bounds how many detached drains
//! run at once.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_integrations::BlobStore;
use omnicrm_jobs::store::{self, CancelOutcome};
use omnicrm_jobs::{FailureCode, Runner, RunnerConfig, SystemClock};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::Semaphore;
use uuid::Uuid;

pub use omnicrm_domain::jobs::{
    DrainSummary, JobBatch, JobFailure, JobFailureCode, JobPage, JobState, JobView,
};
pub use omnicrm_jobs::{JobRecord, Registry};

use crate::cursor::Cursor;
use crate::job_kinds::{JobsAppContext, registry};

/// Most jobs `run_now` processes per request.
pub const RUN_NOW_MAX: usize = 50;
/// Most jobs one cron drain processes.
pub const DRAIN_MAX: usize = 500;
/// Largest page of the job list.
pub const LIST_MAX: u32 = 200;
/// Users' drains (`POST /jobs/runner`) running at once in this process; more wait.
pub const USER_DRAINS_AT_ONCE: usize = 4;

/// What a cancel did.
#[derive(Debug, Clone)]
pub struct Cancelled {
    /// The job afterwards.
    pub job: JobView,
    /// `true` when the job was running and was only asked to stop.
    pub requested: bool,
}

/// Lists, inspects, cancels and retries jobs; runs due jobs on demand.
#[derive(Debug, Clone)]
pub struct JobsService {
    db: Db,
    lease: Duration,
    registry: fn() -> Registry<JobsAppContext>,
    user_drains: Arc<Semaphore>,
    cron_drains: Arc<Semaphore>,
    /// The runtime drains are spawned on: the one that built the service (the server's
    /// main runtime), so a drain outlives the HTTP worker that started it.
    runtime: Option<tokio::runtime::Handle>,
    store: Arc<dyn BlobStore>,
    google: omnicrm_integrations::google::Google,
    semantic: crate::semantic::SemanticIndex,
    ai: crate::ai::AiService,
}

impl JobsService {
    /// Wraps the database handle; drains hold leases of `lease` (`OMNICRM_JOB_LEASE`),
    /// heartbeated every third of it; `store` is handed to the job handlers it runs.
    pub fn new(
        db: Db,
        lease: Duration,
        store: Arc<dyn BlobStore>,
        google: omnicrm_integrations::google::Google,
    ) -> Self {
        Self {
            db: db.clone(),
            lease,
            registry,
            user_drains: Arc::new(Semaphore::new(USER_DRAINS_AT_ONCE)),
            // One cron drain at a time: its upkeep and its jobs are global.
            cron_drains: Arc::new(Semaphore::new(1)),
            runtime: tokio::runtime::Handle::try_current().ok(),
            store,
            google,
            semantic: crate::semantic::SemanticIndex::unavailable(),
            ai: crate::ai::AiService::new(db, None, crate::ai::AiLimits::default()),
        }
    }

    /// The same service whose drains give job handlers `ai` (the provider behind the
    /// users' limits).
    #[must_use]
    pub fn with_ai(mut self, ai: crate::ai::AiService) -> Self {
        self.ai = ai;
        self
    }

    /// The same service whose drains run the embedding jobs with `semantic`'s embedder.
    #[must_use]
    pub fn with_semantic(mut self, semantic: crate::semantic::SemanticIndex) -> Self {
        self.semantic = semantic;
        self
    }

    /// The same service whose drains run the kinds of `registry` instead of
    /// [`crate::job_kinds::registry`] (tests add kinds of their own).
    #[must_use]
    pub fn with_registry(mut self, registry: fn() -> Registry<JobsAppContext>) -> Self {
        self.registry = registry;
        self
    }

    /// A page of the user's jobs, newest first, filtered by kinds, states and batch.
    /// A cursor that does not decode is 400 `validation_failed` on `/cursor`.
    pub async fn list(
        &self,
        user: UserId,
        kinds: Vec<String>,
        states: Vec<JobState>,
        batch_id: Option<Uuid>,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<JobPage, AppError> {
        let before = cursor
            .map(Cursor::decode)
            .transpose()?
            .map(|c| (c.at, c.id));
        let limit = limit.clamp(1, LIST_MAX);
        let states: Vec<String> = states.iter().map(|s| s.as_str().to_owned()).collect();
        let user = user.into_uuid();
        let mut items = self
            .db
            .unscoped(move |conn| {
                async move {
                    store::list_for_user(
                        conn,
                        user,
                        &kinds,
                        &states,
                        batch_id,
                        before,
                        i64::from(limit) + 1,
                    )
                    .await
                    .map_err(AppError::from)
                }
                .boxed()
            })
            .await?;
        let page = usize::try_from(limit).unwrap_or(usize::MAX);
        let next_cursor = if items.len() > page {
            items.truncate(page);
            items
                .last()
                .map(|job| Cursor::new(job.created_at, job.id).encode())
        } else {
            None
        };
        Ok(JobPage {
            items: items.into_iter().map(view).collect(),
            next_cursor,
        })
    }

    /// One job of the user; 404 otherwise.
    pub async fn get(&self, user: UserId, id: Uuid) -> Result<JobView, AppError> {
        let user = user.into_uuid();
        self.db
            .unscoped(move |conn| {
                async move {
                    store::get(conn, id, Some(user))
                        .await?
                        .map(view)
                        .ok_or_else(AppError::not_found)
                }
                .boxed()
            })
            .await
    }

    /// Cancels a queued job at once, asks a running one to stop; a finished job is 409.
    pub async fn cancel(&self, user: UserId, id: Uuid) -> Result<Cancelled, AppError> {
        let user = user.into_uuid();
        self.db
            .unscoped(move |conn| {
                async move {
                    let requested = match store::cancel(conn, id, Some(user)).await? {
                        CancelOutcome::Cancelled => false,
                        CancelOutcome::Requested => true,
                        CancelOutcome::AlreadyFinished => {
                            return Err(AppError::conflict(
                                "the job has already finished and cannot be cancelled",
                            ));
                        }
                        CancelOutcome::NotFound => return Err(AppError::not_found()),
                    };
                    let job = store::get(conn, id, Some(user))
                        .await?
                        .map(view)
                        .ok_or_else(AppError::not_found)?;
                    Ok(Cancelled { job, requested })
                }
                .boxed()
            })
            .await
    }

    /// Puts a dead job back in the queue (its errors are kept); any other state is 409.
    pub async fn retry(&self, user: UserId, id: Uuid) -> Result<JobView, AppError> {
        let user = user.into_uuid();
        self.db
            .unscoped(move |conn| {
                async move {
                    let redriven = store::redrive(conn, &[id], Some(user)).await?;
                    let job = store::get(conn, id, Some(user))
                        .await?
                        .ok_or_else(AppError::not_found)?;
                    if redriven.contains(&id) {
                        Ok(view(job))
                    } else {
                        Err(AppError::conflict(if job.state == "dead" {
                            "a live job with the same unique key exists; this dead job stays dead"
                                .to_owned()
                        } else {
                            format!("only dead jobs can be retried; this job is {}", job.state)
                        }))
                    }
                }
                .boxed()
            })
            .await
    }

    /// Progress of a batch of the user's jobs; 404 when the user has no job in it.
    pub async fn batch(&self, user: UserId, batch_id: Uuid) -> Result<JobBatch, AppError> {
        let user = user.into_uuid();
        let counts = self
            .db
            .unscoped(move |conn| {
                async move {
                    store::batch_counts(conn, batch_id, Some(user))
                        .await
                        .map_err(AppError::from)
                }
                .boxed()
            })
            .await?;
        if counts.total == 0 {
            return Err(AppError::not_found());
        }
        Ok(JobBatch {
            batch_id: counts.batch_id,
            queued: counts.queued,
            running: counts.running,
            succeeded: counts.succeeded,
            cancelled: counts.cancelled,
            dead: counts.dead,
            total: counts.total,
        })
    }

    /// Runs up to `limit` (at most [`RUN_NOW_MAX`]) of the user's due jobs now. Only the
    /// user's jobs, and no global upkeep: that is the cron drain's.
    pub async fn run_now(&self, user: UserId, limit: usize) -> Result<DrainSummary, AppError> {
        self.run(
            &self.user_drains,
            false,
            limit.min(RUN_NOW_MAX),
            Some(user.into_uuid()),
        )
        .await
    }

    /// The cron drain: the upkeep a worker would do (reap expired leases, fire schedules,
    /// keep history partitions ahead; a failing step is logged and skipped), then up to
    /// `limit` (at most [`DRAIN_MAX`]) due jobs of every user.
    pub async fn drain(&self, limit: usize) -> Result<DrainSummary, AppError> {
        self.run(&self.cron_drains, true, limit.min(DRAIN_MAX), None)
            .await
    }

    /// The inbox's cron drain: up to `limit` (at most [`DRAIN_MAX`]) due `inbox.process`
    /// jobs of every user, without the upkeep (`POST /cron/process-jobs` does that).
    pub async fn drain_inbox(&self, limit: usize) -> Result<DrainSummary, AppError> {
        let inbox = Self {
            registry: crate::job_kinds::inbox_registry,
            ..self.clone()
        };
        inbox
            .run(&self.cron_drains, false, limit.min(DRAIN_MAX), None)
            .await
    }

    /// Spawns the drain as its own task and waits for it. Dropping this future (the caller
    /// disconnected) leaves the drain running to its end.
    async fn run(
        &self,
        slots: &Arc<Semaphore>,
        upkeep: bool,
        limit: usize,
        user: Option<Uuid>,
    ) -> Result<DrainSummary, AppError> {
        let permit = Arc::clone(slots)
            .acquire_owned()
            .await
            .map_err(AppError::internal)?;
        let pool = self.db.pool().clone();
        let registry = (self.registry)();
        let ctx = JobsAppContext {
            db: self.db.clone(),
            store: Arc::clone(&self.store),
            google: self.google.clone(),
            semantic: self.semantic.clone(),
            ai: self.ai.clone(),
        };
        let config = RunnerConfig {
            lease: self.lease,
            heartbeat: self.lease / 3,
            ..RunnerConfig::default()
        };
        let drain = async move {
            let _permit = permit;
            if upkeep {
                omnicrm_jobs::upkeep(&pool, &SystemClock).await;
            }
            Runner::drain(pool, registry, ctx, config, limit, user).await
        };
        let task = match &self.runtime {
            Some(runtime) => runtime.spawn(drain),
            None => tokio::spawn(drain),
        };
        let (processed, succeeded, failed) = task.await.map_err(AppError::internal)??;
        Ok(DrainSummary {
            processed,
            succeeded,
            failed,
        })
    }
}

/// The API's view of a job: every error entry becomes a code and its fixed message (the
/// handler's text stays in the tables and the logs).
fn view(job: JobRecord) -> JobView {
    let errors = match &job.errors {
        Value::Array(entries) => entries.iter().map(failure).collect(),
        _ => Vec::new(),
    };
    JobView {
        id: job.id,
        kind: job.kind,
        queue: job.queue,
        user_id: job.user_id,
        state: JobState::parse(&job.state).unwrap_or(JobState::Dead),
        payload: job.payload,
        priority: job.priority,
        attempts: job.attempts,
        max_attempts: job.max_attempts,
        run_at: job.run_at,
        batch_id: job.batch_id,
        errors,
        result: job.result,
        created_at: job.created_at,
        finished_at: job.finished_at,
    }
}

fn failure(entry: &Value) -> JobFailure {
    let code = JobFailureCode::parse(FailureCode::of_entry(entry).as_str())
        .unwrap_or(JobFailureCode::Failed);
    JobFailure {
        attempt: entry
            .get("attempt")
            .and_then(Value::as_i64)
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(0),
        code,
        message: code.message().to_owned(),
        // Engine entries carry unix seconds; the oldest reaper entries an ISO string.
        at: match entry.get("at") {
            Some(Value::Number(n)) => n
                .as_i64()
                .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok()),
            Some(Value::String(text)) => {
                OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
            }
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_engine_failure_code_has_a_view_and_no_error_text_shows() {
        for code in FailureCode::ALL {
            assert!(JobFailureCode::parse(code.as_str()).is_some(), "{code:?}");
        }
        let shown = failure(&serde_json::json!({
            "attempt": 2, "kind": "error", "code": "failed",
            "error": "upstream said: token=abc alice@example.com", "at": 1_700_000_000
        }));
        assert_eq!(shown.code, JobFailureCode::Failed);
        assert_eq!(shown.attempt, 2);
        assert!(!shown.message.contains("alice"));
        assert_eq!(
            shown.at.map(OffsetDateTime::unix_timestamp),
            Some(1_700_000_000)
        );
    }
}
