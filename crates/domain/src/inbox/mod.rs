//! The inbox: quick captures (typed or spoken) waiting to become tasks, what the
//! `/omni-momentum/inbox` routes accept and answer. Suggestions come from
//! [`crate::inbox_rules`] in the user's time zone.

mod entity;
mod input;

pub use crate::entities::productivity::InboxItemStatus;
pub use entity::{
    BulkInboxOutcome, BulkInboxResult, BulkInboxResults, InboxDetails, InboxItemView,
    InboxProcessed, InboxQueueStats, InboxStatsView, InboxSuggestion, InboxVoice, SuggestedTask,
};
pub use input::{
    BulkInboxAction, BulkInboxRequest, CaptureInbox, InboxListQuery, InboxTaskInput,
    IntelligentCapture, MAX_BULK_ITEMS, MAX_CAPTURE_CHARS, MAX_VOICE_SECONDS,
    MAX_VOICE_UPLOAD_BYTES, ProcessInbox, UpdateInboxItem, VoiceCaptureFields, voice_duration_fits,
};
