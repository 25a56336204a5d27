//! Contact identities (alternate identifiers of contacts) and ignored identifiers (the
//! blocklist of contact suggestions).

mod queries;
mod row;

pub use queries::{ContactIdentitiesRepository, IgnoredIdentifiersRepository};
pub use row::{
    ContactIdentityChanges, ContactIdentityRow, IgnoredIdentifierRow, NewContactIdentityRow,
    NewIgnoredIdentifierRow,
};
