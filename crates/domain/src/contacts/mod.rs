//! Contacts: a practitioner's clients and prospects.

mod entity;
mod input;
mod query;

pub use entity::{Address, ClientStatus, CommunicationMethod, Contact, HealthContext, Preferences};
pub use input::{CreateContact, UpdateContact};
pub use query::{ContactListQuery, ContactSort};
