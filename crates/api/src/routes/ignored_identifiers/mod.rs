//! `/data-intelligence/ignored-identifiers`: identifiers never suggested as contacts.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;
