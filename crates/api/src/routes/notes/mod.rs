//! `/notes` and `/contacts/{id}/notes`: notes about contacts, PII-redacted on the way in.

pub mod contact_notes;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;
