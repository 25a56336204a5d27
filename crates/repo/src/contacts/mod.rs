//! Contacts: rows, conversions and queries.

mod queries;
mod row;

pub use queries::ContactsRepository;
pub use row::{ContactChanges, ContactRow, NewContactRow};
