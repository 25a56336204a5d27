//! The note entity (what the API returns) and its links to goals.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::entities::Tag;
use crate::redaction::{PiiEntity, PiiType};
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

/// A note about a contact. Its plain text and rich document are PII-redacted before
/// they are stored: the API never returns (and the database never holds) what was redacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    /// Id.
    pub id: NoteId,
    /// Owner.
    pub user_id: UserId,
    /// The contact the note is about.
    pub contact_id: ContactId,
    /// Rich-text document (TipTap JSON; `{}` when none), PII-redacted.
    #[schema(value_type = Object)]
    pub content_rich: serde_json::Value,
    /// Plain, PII-redacted text (search, previews, AI).
    pub content_plain: String,
    /// What was redacted from the plain text: type and character offsets, never the value.
    pub pii_entities: Vec<NotePiiEntity>,
    /// How the note was captured.
    pub source_type: NoteSourceType,
    /// The note's tags, by name.
    pub tags: Vec<Tag>,
    /// Goals the note is linked to.
    pub goal_ids: Vec<GoalId>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

/// One redacted span of a note's plain text, as stored in `notes.pii_entities`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NotePiiEntity {
    /// What was found.
    #[serde(rename = "type")]
    pub kind: PiiType,
    /// First character (Unicode scalar value, 0-based) of the match in the text as typed.
    pub start: usize,
    /// One past the last character of the match in the text as typed.
    pub end: usize,
    /// Always `true`: the value was replaced by a marker and is not stored anywhere.
    pub redacted: bool,
}

impl From<PiiEntity> for NotePiiEntity {
    fn from(entity: PiiEntity) -> Self {
        Self {
            kind: entity.kind,
            start: entity.start,
            end: entity.end,
            redacted: true,
        }
    }
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
    #[serde(with = "crate::timestamp")]
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
