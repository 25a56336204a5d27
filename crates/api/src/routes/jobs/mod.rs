//! `/jobs`: a user's background jobs (list, inspect, cancel, retry, batches, run now) and
//! the cron drain `/cron/process-jobs`.

pub mod batch;
pub mod cancel;
pub mod cron;
pub mod get;
pub mod list;
pub mod retry;
pub mod runner;

use actix_web::HttpRequest;
use omnicrm_problem::AppError;
use omnicrm_services::jobs::JobState;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A job's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStateName {
    /// Waiting to run (possibly scheduled for later).
    Queued,
    /// Leased by a worker.
    Running,
    /// Finished successfully.
    Succeeded,
    /// Cancelled.
    Cancelled,
    /// Failed for good; can be retried.
    Dead,
}

impl From<JobStateName> for JobState {
    fn from(value: JobStateName) -> Self {
        match value {
            JobStateName::Queued => Self::Queued,
            JobStateName::Running => Self::Running,
            JobStateName::Succeeded => Self::Succeeded,
            JobStateName::Cancelled => Self::Cancelled,
            JobStateName::Dead => Self::Dead,
        }
    }
}

/// A background job (the OpenAPI mirror of the engine's `JobRecord`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Job)]
pub struct JobSchema {
    /// Id.
    pub id: Uuid,
    /// Kind name.
    pub kind: String,
    /// Queue.
    pub queue: String,
    /// Owner.
    pub user_id: Option<Uuid>,
    /// State.
    pub state: JobStateName,
    /// Payload.
    pub payload: serde_json::Value,
    /// Priority (higher first).
    pub priority: i16,
    /// Attempts made.
    pub attempts: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
    /// Next run (queued and running jobs).
    #[schema(format = DateTime)]
    pub run_at: Option<String>,
    /// Batch.
    pub batch_id: Option<Uuid>,
    /// Every attempt's error, oldest first.
    pub errors: Vec<serde_json::Value>,
    /// Result of a successful run.
    pub result: Option<serde_json::Value>,
    /// Enqueued.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Finished (finished jobs only).
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
}

/// A cursor page of jobs, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = JobPage)]
pub struct JobPageSchema {
    /// The jobs.
    pub items: Vec<JobSchema>,
    /// Pass as `?cursor=` for the next page; absent at the end.
    pub next_cursor: Option<String>,
}

/// Counts of a batch's jobs by state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = JobBatch)]
pub struct BatchSchema {
    /// The batch.
    pub batch_id: Uuid,
    /// Waiting.
    pub queued: i64,
    /// Running.
    pub running: i64,
    /// Succeeded.
    pub succeeded: i64,
    /// Cancelled.
    pub cancelled: i64,
    /// Dead.
    pub dead: i64,
    /// All of them.
    pub total: i64,
}

/// `{"processed", "succeeded", "failed"}` of a runner or cron drain.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = JobDrainResult)]
pub struct DrainSchema {
    /// Jobs run.
    pub processed: u64,
    /// Jobs that succeeded.
    pub succeeded: u64,
    /// Attempts that failed (retried later or dead).
    pub failed: u64,
}

/// Optional body of the runner and cron routes: empty, `{}` or `{"limit": n}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitBody {
    /// Most jobs to run.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Reads an optional `{"limit": n}` body: empty means `default`; `n` must be in
/// `1..=max`.
pub(crate) fn optional_limit(
    req: &HttpRequest,
    body: &[u8],
    default: u32,
    max: u32,
) -> Result<u32, AppError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::malformed("the body is not valid UTF-8"))?;
    if text.trim().is_empty() {
        return Ok(default);
    }
    let json_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        });
    if !json_type {
        return Err(AppError::malformed("Content-Type must be application/json"));
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| AppError::malformed(format!("malformed JSON: {e}")))?;
    let parsed: LimitBody = serde_path_to_error::deserialize(value).map_err(|err| {
        let message = err.inner().to_string();
        if message.starts_with("unknown field") {
            return AppError::malformed(message);
        }
        let pointer = if err.path().iter().next().is_some() {
            "/limit"
        } else {
            ""
        };
        AppError::invalid_field(pointer, "type", &message)
    })?;
    match parsed.limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(AppError::invalid_field(
            "/limit",
            "range",
            &format!("must be between 1 and {max}"),
        )),
    }
}
