//! What the inbox routes accept.

use garde::Validate;
use serde::Deserialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::entities::productivity::{InboxItemStatus, TaskPriority};
use crate::entities::ymd;
use crate::pagination::{DEFAULT_PAGE_SIZE, PageRequest};
use crate::patch::{Patch, nullable};
use crate::validate::{not_blank, not_null};
use crate::{InboxItemId, ProjectId};

/// Longest capture, in characters. Longer bodies are refused before any rule runs (and the
/// rules are linear anyway).
pub const MAX_CAPTURE_CHARS: usize = 10_000;
/// Largest voice recording, in bytes (10 MiB).
pub const MAX_VOICE_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Longest voice recording, in seconds, as the client reports it.
pub const MAX_VOICE_SECONDS: f64 = 3600.0;
/// Fewest bytes a second of an accepted recording takes: 2 kbit/s, under any accepted
/// codec's lowest speech rate (Opus 6 kbit/s, MP3 8 kbit/s), with room for silence.
pub const MIN_VOICE_BYTES_PER_SECOND: f64 = 250.0;
/// Most bytes a second takes: 2 MiB, over uncompressed 32-bit 192 kHz stereo (1.5 MB).
pub const MAX_VOICE_BYTES_PER_SECOND: f64 = 2.0 * 1024.0 * 1024.0;
/// Bytes of a recording that need not be sound (tags, cover art, container headers).
pub const VOICE_METADATA_BYTES: f64 = 1024.0 * 1024.0;

/// Whether a recording of `bytes` can last `seconds`: a client's duration is kept with the
/// recording and shown, so one its size cannot hold (a kilobyte "lasting" an hour) is
/// refused rather than stored.
pub fn voice_duration_fits(bytes: usize, seconds: f64) -> bool {
    #[allow(clippy::cast_precision_loss)] // at most 10 MiB
    let bytes = bytes as f64;
    seconds.is_finite()
        && bytes >= seconds * MIN_VOICE_BYTES_PER_SECOND
        && bytes <= seconds * MAX_VOICE_BYTES_PER_SECOND + VOICE_METADATA_BYTES
}
/// Most ids one bulk request names.
pub const MAX_BULK_ITEMS: usize = 50;

/// Body of `POST /omni-momentum/inbox` (quick capture).
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaptureInbox {
    /// The text (1..=10000 characters, not blank). Several lines suggest several tasks.
    #[garde(length(chars, min = 1, max = 10000), custom(not_blank))]
    pub raw_text: String,
    /// Where it came from (`manual` when absent).
    #[garde(length(chars, min = 1, max = 64))]
    #[serde(default)]
    pub source: Option<String>,
    /// Queue it for background processing: a job turns it into suggested tasks awaiting
    /// approval (`GET /inbox/queue`, `POST /cron/process-inbox`).
    #[garde(skip)]
    #[serde(default)]
    pub queue: bool,
}

/// Body of `POST /omni-momentum/inbox/intelligent`: capture and split at once.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntelligentCapture {
    /// The text (1..=10000 characters, not blank); one suggested task per line.
    #[garde(length(chars, min = 1, max = 10000), custom(not_blank))]
    pub raw_text: String,
    /// Where it came from (`manual` when absent).
    #[garde(length(chars, min = 1, max = 64))]
    #[serde(default)]
    pub source: Option<String>,
}

/// The text fields of the voice capture's multipart body (besides the `audio` file part).
#[derive(Debug, Clone, Default)]
pub struct VoiceCaptureFields {
    /// The client's transcription (1..=10000 characters, not blank).
    pub transcription: String,
    /// Length of the recording in seconds (> 0, at most 3600).
    pub duration_seconds: Option<f64>,
}

/// Body of `PATCH /omni-momentum/inbox/{id}`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateInboxItem {
    /// New text.
    #[garde(
        length(chars, min = 1, max = 10000),
        custom(not_null),
        custom(not_blank_patch)
    )]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub raw_text: Patch<String>,
    /// New status (`processedAt` follows it).
    #[garde(custom(not_null))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<InboxItemStatus>)]
    pub status: Patch<InboxItemStatus>,
}

fn not_blank_patch(value: &Patch<String>, ctx: &()) -> garde::Result {
    match value {
        Some(Some(text)) => not_blank(text, ctx),
        _ => Ok(()),
    }
}

/// Query of `GET /omni-momentum/inbox` (newest first). Arrays repeat the key.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InboxListQuery {
    /// Any of these statuses.
    #[garde(length(max = 3))]
    #[serde(default)]
    #[param(inline)]
    pub status: Vec<InboxItemStatus>,
    /// Case-insensitive substring of the text.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub search: Option<String>,
    /// Created at or after.
    #[garde(skip)]
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_after: Option<OffsetDateTime>,
    /// Created before.
    #[garde(skip)]
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_before: Option<OffsetDateTime>,
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

fn default_page() -> u32 {
    1
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

impl InboxListQuery {
    /// The page asked for.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

/// What a bulk request does to each item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkInboxAction {
    /// Archive each item.
    Archive,
    /// Delete each item.
    Delete,
    /// Make each unprocessed item's suggested tasks and mark it processed.
    Process,
}

/// Body of `POST /omni-momentum/inbox/bulk`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkInboxRequest {
    /// The items (1..=50; a repeated id counts once).
    #[garde(length(min = 1, max = 50))]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub item_ids: Vec<InboxItemId>,
    /// What to do with them.
    #[garde(skip)]
    pub action: BulkInboxAction,
}

/// One task to make from an item (`POST /inbox/process`).
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InboxTaskInput {
    /// Name.
    #[garde(length(chars, min = 1, max = 500), custom(not_blank))]
    pub name: String,
    /// Priority; `medium` when absent.
    #[garde(skip)]
    #[serde(default)]
    pub priority: Option<TaskPriority>,
    /// Due date.
    #[garde(skip)]
    #[serde(default, with = "ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Date>,
    /// One of your projects.
    #[garde(skip)]
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub project_id: Option<ProjectId>,
    /// Zone.
    #[garde(skip)]
    #[serde(default)]
    pub zone_id: Option<Uuid>,
}

/// Body of `POST /omni-momentum/inbox/process`: make tasks from an item. Without
/// `tasks`, the rules' suggestion is used.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProcessInbox {
    /// The item (unprocessed).
    #[garde(skip)]
    #[schema(value_type = uuid::Uuid)]
    pub item_id: InboxItemId,
    /// The tasks to make (1..=50), or absent for the suggestion.
    #[garde(length(min = 1, max = 50), dive)]
    #[serde(default)]
    pub tasks: Option<Vec<InboxTaskInput>>,
}

#[cfg(test)]
mod voice_tests {
    use super::voice_duration_fits;

    #[test]
    fn a_duration_must_fit_the_recordings_size() {
        // Opus speech at 6 kbit/s for 10 minutes; a WAV at 16 kHz mono for a minute.
        assert!(voice_duration_fits(450_000, 600.0));
        assert!(voice_duration_fits(1_920_000, 60.0));
        // A short clip whose bytes are mostly tags.
        assert!(voice_duration_fits(900_000, 0.5));
        // A kilobyte cannot last an hour, nor 5 MiB a second.
        assert!(!voice_duration_fits(1024, 3600.0));
        assert!(!voice_duration_fits(5 * 1024 * 1024, 1.0));
        assert!(!voice_duration_fits(1024, f64::INFINITY));
    }
}
