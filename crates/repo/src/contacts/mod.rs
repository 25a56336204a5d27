//! Contacts: rows, conversions and queries.

mod detail;
mod queries;
mod row;
pub mod search;

pub use detail::ContactDetailRepository;
pub use queries::{
    ContactPage, ContactsRepository, DuplicateCandidate, DuplicateMatch, DuplicateProbe,
};
pub use row::{ContactChanges, ContactRow, NewContactRow};
