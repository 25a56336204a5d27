//! Data intelligence: raw events, interactions, AI insights, embeddings and documents.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{ContactId, UserId};

string_enum! {
    /// Provider a raw event came from.
    RawEventProvider {
        /// Gmail.
        Gmail => "gmail",
        /// Google Calendar.
        Calendar => "calendar",
        /// Google Drive.
        Drive => "drive",
        /// A manual upload.
        Upload => "upload",
    }
}

string_enum! {
    /// Processing state of a raw event.
    ProcessingStatus {
        /// Waiting.
        Pending => "pending",
        /// Being processed.
        Processing => "processing",
        /// Done.
        Completed => "completed",
        /// Gave up after an error.
        Failed => "failed",
        /// Deliberately not processed.
        Skipped => "skipped",
    }
}

string_enum! {
    /// Outcome of contact extraction from a raw event.
    ContactExtractionStatus {
        /// No identifiers in the event.
        NoIdentifiers => "no_identifiers",
        /// Identifiers found.
        IdentifiersFound => "identifiers_found",
        /// Awaiting a decision.
        Pending => "pending",
        /// Accepted as a contact.
        Yes => "yes",
        /// Rejected.
        Rejected => "rejected",
    }
}

string_enum! {
    /// Kind of an interaction.
    InteractionType {
        /// An email.
        Email => "email",
        /// A calendar event.
        CalendarEvent => "calendar_event",
        /// A phone call.
        Call => "call",
        /// A meeting.
        Meeting => "meeting",
        /// A note.
        Note => "note",
        /// Web activity.
        Web => "web",
    }
}

string_enum! {
    /// Where an interaction came from: a raw event's provider, or manual.
    InteractionSource {
        /// Gmail.
        Gmail => "gmail",
        /// Google Calendar.
        Calendar => "calendar",
        /// Google Drive.
        Drive => "drive",
        /// A manual upload.
        Upload => "upload",
        /// Entered by hand.
        Manual => "manual",
    }
}

string_enum! {
    /// What an AI insight is about.
    InsightSubjectType {
        /// A contact.
        Contact => "contact",
        /// A segment of contacts.
        Segment => "segment",
        /// The inbox.
        Inbox => "inbox",
    }
}

string_enum! {
    /// Kind of an AI insight.
    InsightKind {
        /// A summary.
        Summary => "summary",
        /// A suggested next step.
        NextStep => "next_step",
        /// A risk.
        Risk => "risk",
        /// A persona.
        Persona => "persona",
        /// A summary of a thread.
        ThreadSummary => "thread_summary",
        /// The next best action.
        NextBestAction => "next_best_action",
        /// A weekly digest.
        WeeklyDigest => "weekly_digest",
        /// A lead score.
        LeadScore => "lead_score",
        /// A suspected duplicate contact.
        DuplicateContactSuspected => "duplicate_contact_suspected",
        /// A contact without a granted data-processing consent.
        ConsentGap => "consent_gap",
    }
}

string_enum! {
    /// What an embedding belongs to.
    EmbeddingOwnerType {
        /// An interaction.
        Interaction => "interaction",
        /// A document.
        Document => "document",
        /// A contact.
        Contact => "contact",
        /// A note.
        Note => "note",
    }
}

/// A lossless provider payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RawEvent {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// Provider.
    pub provider: RawEventProvider,
    /// Provider payload.
    pub payload: serde_json::Value,
    /// When it happened.
    #[serde(with = "crate::timestamp")]
    pub occurred_at: OffsetDateTime,
    /// Provider's id (unique per provider).
    pub source_id: String,
    /// Provider metadata.
    pub source_meta: Option<serde_json::Value>,
    /// Ingest batch.
    pub batch_id: Option<Uuid>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Processing state.
    pub processing_status: ProcessingStatus,
    /// Processing attempts so far.
    pub processing_attempts: i32,
    /// Last processing error.
    pub processing_error: Option<String>,
    /// When it was processed.
    #[serde(with = "crate::timestamp::option")]
    pub processed_at: Option<OffsetDateTime>,
    /// Contact extraction outcome (null = not attempted yet).
    pub contact_extraction_status: Option<ContactExtractionStatus>,
    /// When contacts were extracted.
    #[serde(with = "crate::timestamp::option")]
    pub extracted_at: Option<OffsetDateTime>,
}

/// An entry of the normalised interaction timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Interaction {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// Linked contact (null = not linked yet).
    pub contact_id: Option<ContactId>,
    /// Kind of interaction.
    #[serde(rename = "type")]
    pub interaction_type: InteractionType,
    /// Subject.
    pub subject: Option<String>,
    /// Body text.
    pub body_text: Option<String>,
    /// When it happened.
    #[serde(with = "crate::timestamp")]
    pub occurred_at: OffsetDateTime,
    /// Where it came from.
    pub source: InteractionSource,
    /// Source's id (unique per source).
    pub source_id: String,
    /// Source metadata.
    pub source_meta: Option<serde_json::Value>,
    /// Ingest batch.
    pub batch_id: Option<Uuid>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// An AI-generated insight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AiInsight {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// What it is about.
    pub subject_type: InsightSubjectType,
    /// Id of the subject (polymorphic).
    pub subject_id: Option<Uuid>,
    /// Kind of insight.
    pub kind: InsightKind,
    /// Content.
    pub content: serde_json::Value,
    /// Model that produced it.
    pub model: Option<String>,
    /// Dedup key.
    pub fingerprint: Option<String>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// An embedding vector of a chunk of some owner's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Embedding {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// Kind of owner.
    pub owner_type: EmbeddingOwnerType,
    /// Id of the owner (polymorphic).
    pub owner_id: Uuid,
    /// Embedding model (only vectors of one model are comparable).
    pub model: String,
    /// Vector length.
    pub dimensions: i32,
    /// The vector.
    pub embedding: Vec<f32>,
    /// Hex sha256 of the embedded text.
    pub content_hash: Option<String>,
    /// Chunk number within the owner.
    pub chunk_index: i32,
    /// Metadata.
    pub meta: Option<serde_json::Value>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// A stored document (the table's shape; the API's is [`crate::documents::Document`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = DocumentEntity)]
pub struct Document {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// Contact it belongs to.
    pub owner_contact_id: Option<ContactId>,
    /// Title.
    pub title: Option<String>,
    /// Text content.
    pub text: Option<String>,
    /// MIME type.
    pub mime: Option<String>,
    /// Metadata.
    pub meta: Option<serde_json::Value>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        assert_enums_round_trip!(
            RawEventProvider,
            ProcessingStatus,
            ContactExtractionStatus,
            InteractionType,
            InteractionSource,
            InsightSubjectType,
            InsightKind,
            EmbeddingOwnerType,
        );
    }

    #[test]
    fn every_raw_event_provider_is_an_interaction_source() {
        for p in RawEventProvider::ALL {
            assert!(InteractionSource::parse(p.as_str()).is_some());
        }
    }
}
