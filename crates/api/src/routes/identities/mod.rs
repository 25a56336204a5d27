//! `/data-intelligence/contact-identities`: alternate identifiers (emails, phones,
//! handles, provider ids) that resolve to a contact.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;
