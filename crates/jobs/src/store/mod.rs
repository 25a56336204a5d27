//! Every statement the engine runs against its tables.

mod admin;
mod claim;
mod finish;

pub use admin::{
    BatchCounts, CancelOutcome, PurgedJobs, batch_counts, cancel, drop_history_before,
    ensure_history_partitions, get, list_for_user, pause_queue, purge_user, purge_user_counted,
    queue_depth, redrive, resume_queue,
};
pub use claim::{Claimed, HeldLease, Lease, claim, heartbeat, reap_expired};
pub use finish::{Completion, Outcome, finish, finish_succeeded_many};

use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    /// Failed for good (attempts spent or a permanent error).
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

/// A job as listed and shown (from either table).
#[derive(Debug, Clone, Serialize, diesel::QueryableByName)]
#[serde(rename_all = "camelCase")]
pub struct JobRecord {
    /// Id.
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    /// Kind.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    /// Queue.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub queue: String,
    /// Tenant.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub user_id: Option<Uuid>,
    /// State (`queued`, `running`, `succeeded`, `cancelled`, `dead`).
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub state: String,
    /// Payload.
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub payload: serde_json::Value,
    /// Priority (higher first).
    #[diesel(sql_type = diesel::sql_types::Int2)]
    pub priority: i16,
    /// Attempts made.
    #[diesel(sql_type = diesel::sql_types::Int4)]
    pub attempts: i32,
    /// Attempts allowed.
    #[diesel(sql_type = diesel::sql_types::Int4)]
    pub max_attempts: i32,
    /// Next run (queued jobs).
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub run_at: Option<OffsetDateTime>,
    /// Batch.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub batch_id: Option<Uuid>,
    /// Every attempt's error, oldest first.
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub errors: serde_json::Value,
    /// Result of a successful run.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Jsonb>)]
    pub result: Option<serde_json::Value>,
    /// Enqueued.
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Finished (history only).
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
}

/// Columns selecting a [`JobRecord`] from `job_queue`.
pub(crate) const QUEUE_RECORD: &str = "id, kind, queue, user_id, state, payload, priority, attempts, max_attempts, \
     run_at, batch_id, errors, NULL::jsonb AS result, created_at, NULL::timestamptz AS finished_at";
/// Columns selecting a [`JobRecord`] from `job_history`.
pub(crate) const HISTORY_RECORD: &str = "id, kind, queue, user_id, state, payload, priority, attempts, max_attempts, \
     NULL::timestamptz AS run_at, batch_id, errors, result, created_at, finished_at";
