//! What the inbox routes answer.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::entities::productivity::{InboxItemStatus, TaskPriority};
use crate::entities::ymd;
use crate::{InboxItemId, TaskId, UserId};

/// The server-kept part of an item, stored in `inbox_items.details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxDetails {
    /// Where the capture came from (free text such as `manual`, `widget`, `voice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The tasks made from the item, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_ids: Vec<TaskId>,
    /// When the item was queued for background processing (cleared when processed).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::timestamp::option"
    )]
    pub queued_at: Option<OffsetDateTime>,
    /// The recording of a voice capture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<InboxVoice>,
}

/// The recording behind a voice capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxVoice {
    /// The recording's id (its storage key's name).
    pub file_id: Uuid,
    /// Its storage key (`<user>/inbox/<fileId>.<ext>`); the bytes are at
    /// `GET /omni-momentum/inbox/{id}/audio`.
    pub object_key: String,
    /// Media type of the recording.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Length in seconds, as the client reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
}

/// A task the rules suggest for an item (one per line of the capture).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SuggestedTask {
    /// Name (the line without bullet and date phrase).
    pub name: String,
    /// Due date from a phrase such as "tomorrow" or "next Friday", in your time zone.
    #[serde(with = "ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Date>,
    /// Priority from words such as "urgent" or "someday".
    pub priority: Option<TaskPriority>,
    /// Zone from the line's words.
    pub zone_id: Option<Uuid>,
    /// That zone's name.
    pub zone_name: Option<String>,
}

/// What the deterministic rules suggest for an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxSuggestion {
    /// One task per non-blank line (at most 50).
    pub tasks: Vec<SuggestedTask>,
}

/// An inbox item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxItemView {
    /// Id.
    pub id: InboxItemId,
    /// Owner.
    pub user_id: UserId,
    /// The captured text (for a voice capture: the transcription).
    pub raw_text: String,
    /// Processing state.
    pub status: InboxItemStatus,
    /// Where the capture came from.
    pub source: Option<String>,
    /// When it was processed (set exactly while the status is `processed`).
    #[serde(with = "crate::timestamp::option")]
    pub processed_at: Option<OffsetDateTime>,
    /// The first task made from it.
    pub created_task_id: Option<TaskId>,
    /// Every task made from it, in order.
    pub task_ids: Vec<TaskId>,
    /// When it was queued for background processing; `null` when not queued.
    #[serde(with = "crate::timestamp::option")]
    pub queued_at: Option<OffsetDateTime>,
    /// The recording of a voice capture.
    pub voice: Option<InboxVoice>,
    /// What the rules suggest (computed for your local today).
    pub suggestion: InboxSuggestion,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

/// Counts of `GET /omni-momentum/inbox/stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxStatsView {
    /// Not processed yet.
    pub unprocessed: i64,
    /// Processed.
    pub processed: i64,
    /// Archived.
    pub archived: i64,
    /// All items.
    pub total: i64,
    /// Captured in the last 24 hours.
    pub recent_activity: i64,
}

/// `GET /omni-momentum/inbox/queue`: your items waiting for background processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxQueueStats {
    /// Items queued and not processed yet.
    pub total_queued: i64,
    /// When the oldest of them was queued.
    #[serde(with = "crate::timestamp::option")]
    pub oldest_queued_at: Option<OffsetDateTime>,
}

/// What happened to one id of a bulk request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkInboxOutcome {
    /// The item is archived now.
    Archived,
    /// The item is gone.
    Deleted,
    /// The item's suggested tasks were made and it is processed.
    Processed,
    /// No such item of yours: nothing was done with this id.
    NotFound,
    /// `process` of an item that is not unprocessed: nothing was done with this id.
    Skipped,
}

/// One id's result of a bulk request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkInboxResult {
    /// The id as sent.
    pub id: InboxItemId,
    /// What happened.
    pub outcome: BulkInboxOutcome,
    /// The tasks made (for `process`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_ids: Vec<TaskId>,
}

/// Answer of `POST /omni-momentum/inbox/bulk`: one result per distinct id, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkInboxResults {
    /// Per-id results.
    pub results: Vec<BulkInboxResult>,
}

/// Answer of `POST /inbox/process` and `POST /inbox/intelligent`: the item and the tasks
/// made from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxProcessed {
    /// The item, now `processed`.
    pub item: InboxItemView,
    /// The tasks made, in order.
    pub tasks: Vec<crate::tasks::TaskView>,
}
