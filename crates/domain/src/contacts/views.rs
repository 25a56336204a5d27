//! What the contact list and the contact detail view return besides the contact itself.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::duplicates::{ContactHistoryEntry, PossibleDuplicate};
use super::entity::Contact;
use crate::entities::{ConsentType, ContactIdentity, TagCategory};
use crate::{NoteId, TagId};

/// How many characters of a note the list and the detail view show (cut in SQL with
/// `left(content_plain, 500)`, which counts characters, not bytes).
pub const NOTE_PREVIEW_CHARS: usize = 500;

/// How many notes the detail view shows (newest first).
pub const DETAIL_NOTE_COUNT: i64 = 5;

/// One item of `GET /contacts`: the contact plus a preview of its newest note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactListItem {
    /// The contact.
    #[serde(flatten)]
    pub contact: Contact,
    /// The first 500 characters of the newest note (redacted when it was written), or
    /// null without notes.
    pub last_note: Option<String>,
    /// The contact's tags, by name.
    pub tags: Vec<TagSummary>,
}

/// A note as the detail view previews it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotePreview {
    /// Id.
    pub id: NoteId,
    /// The first 500 characters of the plain (redacted) text.
    pub content_plain: String,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// A tag as shown on a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagSummary {
    /// Id.
    pub id: TagId,
    /// Name.
    pub name: String,
    /// Hex colour `#RRGGBB`.
    pub color: String,
    /// Category.
    pub category: TagCategory,
}

/// The current state of one consent type: its newest decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsentSummary {
    /// What the consent covers.
    pub consent_type: ConsentType,
    /// Granted (true) or withdrawn (false).
    pub granted: bool,
    /// When the decision was made.
    #[serde(with = "crate::timestamp")]
    pub granted_at: OffsetDateTime,
    /// Version of the consent text shown.
    pub version: String,
}

/// `GET /contacts/{id}`: the contact and what hangs off it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactDetail {
    /// The contact.
    #[serde(flatten)]
    pub contact: Contact,
    /// The 5 newest notes, newest first.
    pub notes: Vec<NotePreview>,
    /// Its tags, by name.
    pub tags: Vec<TagSummary>,
    /// Its alternate identifiers, oldest first.
    pub identities: Vec<ContactIdentity>,
    /// The newest decision per consent type that has one, by type.
    pub consents: Vec<ConsentSummary>,
    /// Contacts this one may duplicate or be duplicated by (marked by onboarding
    /// submissions), newest mark first. Merge or dismiss them.
    pub possible_duplicates: Vec<PossibleDuplicate>,
    /// The 20 newest events of its history (onboarding submissions, merges), newest first.
    pub history: Vec<ContactHistoryEntry>,
}
