//! Contacts: a practitioner's clients and prospects.

mod bulk;
mod duplicates;
mod entity;
pub mod import;
mod input;
mod query;
pub mod suggestions;
mod views;

pub use bulk::{BulkDeleteContacts, BulkDeleteResult, MAX_BULK_DELETE};
pub use duplicates::{
    ContactHistoryEntry, ContactHistoryKind, DETAIL_HISTORY_COUNT, DuplicateListQuery,
    DuplicateMatch, DuplicatePair, DuplicateSide, MergeContacts, MergePreferences, MergeSide,
    PossibleDuplicate,
};
pub use entity::{Address, ClientStatus, CommunicationMethod, Contact, HealthContext, Preferences};
pub use input::{CreateContact, UpdateContact};
pub use query::{ContactListQuery, ContactSort};
pub use suggestions::{
    AcceptSuggestions, AcceptedSuggestions, ContactSuggestion, SuggestionConfidence,
    SuggestionSource,
};
pub use views::{
    ConsentSummary, ContactDetail, ContactListItem, DETAIL_NOTE_COUNT, NOTE_PREVIEW_CHARS,
    NotePreview, TagSummary,
};
