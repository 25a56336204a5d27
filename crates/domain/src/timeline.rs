//! A contact's timeline: emails and meetings normalised from Google, and notes, merged
//! newest first with cursor pagination.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// What a timeline item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    /// An email (Gmail).
    Email,
    /// A calendar event (Google Calendar).
    Meeting,
    /// A note about the contact.
    Note,
}

/// Query of `GET /contacts/{id}/timeline`: cursor pagination, newest first.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Page size (1..=200, default 50).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_limit")]
    pub limit: u32,
    /// `nextCursor` of the previous page.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub cursor: Option<String>,
}

fn default_limit() -> u32 {
    50
}

/// One item of a contact's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimelineItem {
    /// The interaction's or note's id.
    pub id: Uuid,
    /// Email, meeting or note.
    pub kind: TimelineKind,
    /// When it happened (a meeting's start, a note's creation).
    #[serde(with = "crate::timestamp")]
    pub occurred_at: OffsetDateTime,
    /// An email's subject or a meeting's title (none for notes).
    pub subject: Option<String>,
    /// The start of the text (at most 200 characters).
    pub snippet: Option<String>,
    /// Where it came from: `gmail`, `calendar`, `manual`, or `note`.
    pub source: String,
    /// The provider's id (Gmail message id, Calendar event id); the note id for notes.
    pub source_id: String,
}

/// A page of a contact's timeline, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimelinePage {
    /// The items.
    pub items: Vec<TimelineItem>,
    /// Pass as `?cursor=` for the next page; absent at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// An interaction: an email or calendar event normalised from Google (or a manual entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InteractionView {
    /// Id.
    pub id: Uuid,
    /// The linked contact, if any.
    pub contact_id: Option<Uuid>,
    /// `auto` (normalisation matched an email) or `manual` (set with `PATCH`).
    pub contact_linked_by: String,
    /// `email`, `calendar_event`, `call`, `meeting`, `note` or `web`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Email subject or event title.
    pub subject: Option<String>,
    /// Text body or description.
    pub body_text: Option<String>,
    /// When it happened.
    #[serde(with = "crate::timestamp")]
    pub occurred_at: OffsetDateTime,
    /// `gmail`, `calendar`, `drive`, `upload` or `manual`.
    pub source: String,
    /// The provider's id.
    pub source_id: String,
    /// Provider details (addresses, labels, attendees, ..).
    #[schema(value_type = Option<Object>)]
    pub source_meta: Option<serde_json::Value>,
    /// The sync run that last wrote it.
    pub batch_id: Option<Uuid>,
    /// When it was stored.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// InteractionView kinds a list filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    /// Emails.
    Email,
    /// Calendar events and meetings.
    Meeting,
}

/// Providers a list filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InteractionProvider {
    /// Gmail.
    Gmail,
    /// Google Calendar.
    Calendar,
    /// Entered by hand.
    Manual,
}

impl InteractionProvider {
    /// The `source` column value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Gmail => "gmail",
            Self::Calendar => "calendar",
            Self::Manual => "manual",
        }
    }
}

/// Query of `GET /interactions`: filters, cursor pagination, newest first.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InteractionListQuery {
    /// Only this contact's.
    #[garde(skip)]
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<Uuid>,
    /// Only emails or only meetings.
    #[garde(skip)]
    #[serde(default)]
    #[param(inline)]
    pub kind: Option<InteractionKind>,
    /// Only from this provider.
    #[garde(skip)]
    #[serde(default)]
    #[param(inline)]
    pub provider: Option<InteractionProvider>,
    /// Only at or after this time (RFC 3339).
    #[garde(skip)]
    #[serde(default, with = "crate::timestamp::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<OffsetDateTime>,
    /// Only before this time (RFC 3339).
    #[garde(skip)]
    #[serde(default, with = "crate::timestamp::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<OffsetDateTime>,
    /// Case-insensitive substring of the subject or body.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub search: Option<String>,
    /// Page size (1..=200, default 50).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_limit")]
    pub limit: u32,
    /// `nextCursor` of the previous page.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub cursor: Option<String>,
}

/// A cursor page of interactions, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InteractionPage {
    /// The interactions.
    pub items: Vec<InteractionView>,
    /// Pass as `?cursor=` for the next page; absent at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Body of `PATCH /interactions/{id}`: link to a contact, or `null` to unlink. Either way
/// the link is then the practitioner's: normalisation no longer changes it.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateInteraction {
    /// The contact, or `null`.
    #[garde(skip)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<Uuid>,
}

/// Providers of raw events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawEventProvider {
    /// Gmail messages.
    Gmail,
    /// Calendar events.
    Calendar,
    /// Drive files.
    Drive,
    /// Uploads.
    Upload,
}

/// Processing states of raw events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProcessingStatus {
    /// Waiting for normalisation.
    Pending,
    /// Being normalised.
    Processing,
    /// Normalised into an interaction.
    Completed,
    /// Unreadable (see `processingError`).
    Failed,
    /// Deliberately not imported (reason in `processingError`).
    Skipped,
}

/// Contact extraction states of raw events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactExtractionStatus {
    /// The event names nobody but the practitioner.
    NoIdentifiers,
    /// People found, none of them a contact yet.
    IdentifiersFound,
    /// Waiting.
    Pending,
    /// Linked to a contact.
    Yes,
    /// Rejected.
    Rejected,
}

macro_rules! snake_str {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            /// The stored spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
        }
    };
}
snake_str!(RawEventProvider { Gmail => "gmail", Calendar => "calendar", Drive => "drive", Upload => "upload" });
snake_str!(ProcessingStatus { Pending => "pending", Processing => "processing", Completed => "completed", Failed => "failed", Skipped => "skipped" });
snake_str!(ContactExtractionStatus { NoIdentifiers => "no_identifiers", IdentifiersFound => "identifiers_found", Pending => "pending", Yes => "yes", Rejected => "rejected" });

/// Query of `GET /data-intelligence/raw-events`: filters (repeat a key for several
/// values), cursor pagination, newest stored first.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RawEventListQuery {
    /// Only these providers.
    #[garde(length(max = 4))]
    #[serde(default)]
    #[param(inline)]
    pub provider: Vec<RawEventProvider>,
    /// Only these processing states.
    #[garde(length(max = 5))]
    #[serde(default)]
    #[param(inline)]
    pub processing_status: Vec<ProcessingStatus>,
    /// Only these contact extraction states.
    #[garde(length(max = 5))]
    #[serde(default)]
    #[param(inline)]
    pub contact_extraction_status: Vec<ContactExtractionStatus>,
    /// Only this sync run's.
    #[garde(skip)]
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub batch_id: Option<Uuid>,
    /// Only stored at or after this time (RFC 3339).
    #[garde(skip)]
    #[serde(default, with = "crate::timestamp::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_after: Option<OffsetDateTime>,
    /// Only stored before this time (RFC 3339).
    #[garde(skip)]
    #[serde(default, with = "crate::timestamp::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_before: Option<OffsetDateTime>,
    /// Page size (1..=200, default 50).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_limit")]
    pub limit: u32,
    /// `nextCursor` of the previous page.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub cursor: Option<String>,
}

/// A raw event: a provider payload stored as received, and what normalisation made of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RawEventView {
    /// Id.
    pub id: Uuid,
    /// `gmail`, `calendar`, `drive` or `upload`.
    pub provider: String,
    /// The payload as the provider returned it (only on `GET /raw-events/{id}`: lists
    /// leave it out, a payload may be megabytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub payload: Option<serde_json::Value>,
    /// When the provider says it happened.
    #[serde(with = "crate::timestamp")]
    pub occurred_at: OffsetDateTime,
    /// The provider's id.
    pub source_id: String,
    /// The sync run that stored it.
    pub batch_id: Option<Uuid>,
    /// When it was stored.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// `pending`, `processing`, `completed`, `failed` or `skipped`.
    pub processing_status: String,
    /// Normalisation attempts.
    pub processing_attempts: i32,
    /// A stable code: the skip reason or the failure.
    pub processing_error: Option<String>,
    /// When it was last normalised.
    #[serde(with = "crate::timestamp::option")]
    pub processed_at: Option<OffsetDateTime>,
    /// What contact linking found (`null`: not attempted).
    pub contact_extraction_status: Option<String>,
    /// When contact linking ran.
    #[serde(with = "crate::timestamp::option")]
    pub extracted_at: Option<OffsetDateTime>,
}

/// A cursor page of raw events, newest stored first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RawEventPage {
    /// The raw events (without payloads).
    pub items: Vec<RawEventView>,
    /// Pass as `?cursor=` for the next page; absent at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
