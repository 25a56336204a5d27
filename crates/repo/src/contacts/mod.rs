//! Contacts: rows, conversions and queries.

mod crud;
mod detail;
mod duplicate_probe;
mod duplicates;
mod import;
mod list;
mod merge;
mod row;
pub mod search;

pub use crud::ContactsRepository;
pub use detail::ContactDetailRepository;
pub use duplicate_probe::{DuplicateCandidate, DuplicateMatch, DuplicateProbe};
pub use duplicates::ContactDuplicatesRepository;
pub use import::{ContactImportRow, ContactImports, ImportSavepoint};
pub use list::ContactPage;
pub use merge::{CONTACT_REFERENCES, ContactMergeRepository};
pub use row::{ContactChanges, ContactRow, NewContactRow};
