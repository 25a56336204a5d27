//! Background jobs as the API shows them. The engine's own rows stay in `omnicrm-jobs`;
//! these are the views, with the OpenAPI schemas derived from them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
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

impl JobState {
    /// Every state.
    pub const ALL: [Self; 5] = [
        Self::Queued,
        Self::Running,
        Self::Succeeded,
        Self::Cancelled,
        Self::Dead,
    ];

    /// Stored spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Cancelled => "cancelled",
            Self::Dead => "dead",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Why an attempt did not succeed. The handler's own error text is kept for operators
/// (logs and the job tables), never shown: it can carry upstream responses or internals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobFailureCode {
    /// The attempt failed; the job is retried later (dead when attempts ran out).
    Failed,
    /// The attempt failed in a way retrying cannot fix.
    FailedPermanently,
    /// The attempt ran longer than its kind allows.
    TimedOut,
    /// This server cannot run jobs of this kind.
    UnknownKind,
    /// The job asked to run again later; no attempt was spent.
    Snoozed,
    /// Cancelled while running.
    Cancelled,
    /// Its worker shut down; it runs again, no attempt spent.
    ReleasedAtShutdown,
    /// Its worker died or stalled; it runs again.
    LeaseExpired,
}

impl JobFailureCode {
    /// Every code.
    pub const ALL: [Self; 8] = [
        Self::Failed,
        Self::FailedPermanently,
        Self::TimedOut,
        Self::UnknownKind,
        Self::Snoozed,
        Self::Cancelled,
        Self::ReleasedAtShutdown,
        Self::LeaseExpired,
    ];

    /// Wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::FailedPermanently => "failed_permanently",
            Self::TimedOut => "timed_out",
            Self::UnknownKind => "unknown_kind",
            Self::Snoozed => "snoozed",
            Self::Cancelled => "cancelled",
            Self::ReleasedAtShutdown => "released_at_shutdown",
            Self::LeaseExpired => "lease_expired",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// A fixed message safe to show anyone who may see the job.
    pub const fn message(self) -> &'static str {
        match self {
            Self::Failed => {
                "The attempt failed; the job is retried later unless its attempts ran out."
            }
            Self::FailedPermanently => "The attempt failed and retrying cannot help.",
            Self::TimedOut => "The attempt took too long and was stopped.",
            Self::UnknownKind => "This server does not know how to run this kind of job.",
            Self::Snoozed => "The job asked to run again later; no attempt was spent.",
            Self::Cancelled => "The job was cancelled while it ran.",
            Self::ReleasedAtShutdown => {
                "The worker shut down; the job runs again without spending the attempt."
            }
            Self::LeaseExpired => {
                "The worker running the job stopped responding; the job runs again."
            }
        }
    }
}

/// One attempt that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobFailure {
    /// The attempt (1-based).
    pub attempt: i32,
    /// Why.
    pub code: JobFailureCode,
    /// A fixed, safe description of the code.
    pub message: String,
    /// When.
    #[serde(with = "crate::timestamp::option")]
    pub at: Option<OffsetDateTime>,
}

/// A background job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Job)]
pub struct JobView {
    /// Id.
    pub id: Uuid,
    /// Kind name.
    pub kind: String,
    /// Queue.
    pub queue: String,
    /// Owner.
    pub user_id: Option<Uuid>,
    /// State.
    pub state: JobState,
    /// Payload.
    pub payload: serde_json::Value,
    /// Priority (higher first).
    pub priority: i16,
    /// Attempts made.
    pub attempts: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
    /// Next run (queued and running jobs).
    #[serde(with = "crate::timestamp::option")]
    pub run_at: Option<OffsetDateTime>,
    /// Batch.
    pub batch_id: Option<Uuid>,
    /// Every attempt that did not succeed, oldest first.
    pub errors: Vec<JobFailure>,
    /// Result of a successful run.
    pub result: Option<serde_json::Value>,
    /// Enqueued.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Finished (finished jobs only).
    #[serde(with = "crate::timestamp::option")]
    pub finished_at: Option<OffsetDateTime>,
}

/// A cursor page of jobs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobPage {
    /// The jobs.
    pub items: Vec<JobView>,
    /// Pass as `?cursor=` for the next page; absent at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Counts of a batch's jobs by state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobBatch {
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

/// Outcome of a runner or cron drain: `{"processed", "succeeded", "failed"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = JobDrainResult)]
pub struct DrainSummary {
    /// Jobs run (succeeded + failed).
    pub processed: u64,
    /// Jobs that succeeded.
    pub succeeded: u64,
    /// Attempts that failed (retried later or dead).
    pub failed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_states_round_trip_their_spelling() {
        for code in JobFailureCode::ALL {
            assert_eq!(JobFailureCode::parse(code.as_str()), Some(code));
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::Value::from(code.as_str()))
            );
        }
        for state in JobState::ALL {
            assert_eq!(JobState::parse(state.as_str()), Some(state));
        }
    }
}
