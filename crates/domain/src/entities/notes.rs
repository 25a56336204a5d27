//! Notes about contacts and their links to goals.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{ContactId, GoalId, NoteId, UserId};

string_enum! {
    /// How a note was captured.
    NoteSourceType {
        /// Typed in the editor.
        Typed => "typed",
        /// Dictated and transcribed.
        Voice => "voice",
        /// Extracted from an uploaded file.
        Upload => "upload",
    }
}

/// A note about a contact (the plain text is PII-redacted before it is stored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    /// Id.
    pub id: NoteId,
    /// Owner.
    pub user_id: UserId,
    /// The contact the note is about.
    pub contact_id: ContactId,
    /// Rich-text document (editor JSON).
    pub content_rich: serde_json::Value,
    /// Plain, PII-redacted text.
    pub content_plain: String,
    /// PII entities found while redacting.
    pub pii_entities: serde_json::Value,
    /// How the note was captured.
    pub source_type: NoteSourceType,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// A link between a note and a goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoteGoal {
    /// Owner.
    pub user_id: UserId,
    /// The note.
    pub note_id: NoteId,
    /// The goal.
    pub goal_id: GoalId,
    /// Linked.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        assert_enums_round_trip!(NoteSourceType);
    }
}
