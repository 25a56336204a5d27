//! Contacts: rows, conversions and queries.

mod detail;
mod duplicates;
mod merge;
mod queries;
mod row;
pub mod search;

pub use detail::ContactDetailRepository;
pub use duplicates::ContactDuplicatesRepository;
pub use merge::{CONTACT_REFERENCES, ContactMergeRepository};
pub use queries::{
    ContactPage, ContactsRepository, DuplicateCandidate, DuplicateMatch, DuplicateProbe,
};
pub use row::{ContactChanges, ContactRow, NewContactRow};
