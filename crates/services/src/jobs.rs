//! Inspecting and steering a user's background jobs, and draining the queue on demand.
//!
//! Job tables are not tenant tables (no RLS): every statement here runs `unscoped` and is
//! restricted to the caller's user id explicitly.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_integrations::BlobStore;
use omnicrm_jobs::store::{self, CancelOutcome};
use omnicrm_jobs::{Runner, RunnerConfig};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

pub use omnicrm_jobs::{BatchCounts, JobRecord, JobState};

use crate::job_kinds::{JobsAppContext, registry};

/// Most jobs `run_now` processes per request.
pub const RUN_NOW_MAX: usize = 50;
/// Most jobs one cron drain processes.
pub const DRAIN_MAX: usize = 500;
/// Largest page of the job list.
pub const LIST_MAX: u32 = 200;

/// One page of jobs, newest first.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobPage {
    /// The jobs.
    pub items: Vec<JobRecord>,
    /// Opaque cursor of the next page; absent at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// What a cancel did.
#[derive(Debug, Clone)]
pub struct Cancelled {
    /// The job afterwards.
    pub job: JobRecord,
    /// `true` when the job was running and was only asked to stop.
    pub requested: bool,
}

/// Outcome of a drain: `{"processed", "succeeded", "failed"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DrainSummary {
    /// Jobs run (succeeded + failed).
    pub processed: u64,
    /// Jobs that succeeded.
    pub succeeded: u64,
    /// Attempts that failed (retried later or dead).
    pub failed: u64,
}

/// Lists, inspects, cancels and retries jobs; runs due jobs on demand.
#[derive(Debug, Clone)]
pub struct JobsService {
    db: Db,
    store: Arc<dyn BlobStore>,
}

impl JobsService {
    /// Wraps the database handle; `store` is handed to the job handlers it runs.
    pub fn new(db: Db, store: Arc<dyn BlobStore>) -> Self {
        Self { db, store }
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
        let before = cursor.map(decode_cursor).transpose()?;
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
            items.last().map(encode_cursor)
        } else {
            None
        };
        Ok(JobPage { items, next_cursor })
    }

    /// One job of the user; 404 otherwise.
    pub async fn get(&self, user: UserId, id: Uuid) -> Result<JobRecord, AppError> {
        let user = user.into_uuid();
        self.db
            .unscoped(move |conn| {
                async move {
                    store::get(conn, id, Some(user))
                        .await?
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
                        .ok_or_else(AppError::not_found)?;
                    Ok(Cancelled { job, requested })
                }
                .boxed()
            })
            .await
    }

    /// Puts a dead job back in the queue (its errors are kept); any other state is 409.
    pub async fn retry(&self, user: UserId, id: Uuid) -> Result<JobRecord, AppError> {
        let user = user.into_uuid();
        self.db
            .unscoped(move |conn| {
                async move {
                    let redriven = store::redrive(conn, &[id], Some(user)).await?;
                    let job = store::get(conn, id, Some(user))
                        .await?
                        .ok_or_else(AppError::not_found)?;
                    if redriven.contains(&id) {
                        Ok(job)
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
    pub async fn batch(&self, user: UserId, batch_id: Uuid) -> Result<BatchCounts, AppError> {
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
        Ok(counts)
    }

    /// Runs up to `limit` (at most [`RUN_NOW_MAX`]) of the user's due jobs now.
    pub async fn run_now(&self, user: UserId, limit: usize) -> Result<DrainSummary, AppError> {
        self.run(limit.min(RUN_NOW_MAX), Some(user.into_uuid()))
            .await
    }

    /// Runs up to `limit` (at most [`DRAIN_MAX`]) due jobs of every user (cron).
    pub async fn drain(&self, limit: usize) -> Result<DrainSummary, AppError> {
        self.run(limit.min(DRAIN_MAX), None).await
    }

    async fn run(&self, limit: usize, user: Option<Uuid>) -> Result<DrainSummary, AppError> {
        let ctx = JobsAppContext {
            db: self.db.clone(),
            store: Arc::clone(&self.store),
        };
        let (processed, succeeded, failed) = Runner::drain(
            self.db.pool().clone(),
            registry(),
            ctx,
            RunnerConfig::default(),
            limit,
            user,
        )
        .await?;
        Ok(DrainSummary {
            processed,
            succeeded,
            failed,
        })
    }
}

fn encode_cursor(job: &JobRecord) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}:{}",
        job.created_at.unix_timestamp_nanos(),
        job.id
    ))
}

fn decode_cursor(cursor: &str) -> Result<(OffsetDateTime, Uuid), AppError> {
    let invalid = || AppError::invalid_field("/cursor", "invalid", "not a valid cursor");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (nanos, id) = text.split_once(':').ok_or_else(invalid)?;
    let nanos: i128 = nanos.parse().map_err(|_| invalid())?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| invalid())?;
    let id = Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok((at, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_a_validation_error() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let id = Uuid::now_v7();
        let cursor = URL_SAFE_NO_PAD.encode(format!("{}:{id}", at.unix_timestamp_nanos()));
        assert_eq!(decode_cursor(&cursor).ok(), Some((at, id)));
        for bad in ["", "!!!", "bm9jb2xvbg", "MTIzOm5vdC1hLXV1aWQ"] {
            let err = decode_cursor(bad).err().map(|e| e.code());
            assert_eq!(
                err,
                Some(omnicrm_problem::ErrorCode::ValidationFailed),
                "{bad}"
            );
        }
    }
}
