//! OmniCRM's domain: typed ids, entities, enums, validated input DTOs and pagination.
//!
//! Pure data and rules: no database, no HTTP. Other Rust tools link this crate to speak
//! the API's types; `.ci/run` checks that it never pulls in diesel or actix-web.

pub mod bulk;
pub mod consents;
pub mod contacts;
#[cfg(test)]
mod cpu_timing;
#[macro_use]
pub mod entities;
pub mod files;
pub mod goals;
pub mod habits;
pub mod identities;
pub mod ids;
pub mod inbox_rules;
pub mod jobs;
pub mod local_day;
pub mod notes;
pub mod onboarding;
pub mod pagination;
pub mod patch;
pub mod pulse;
pub mod redaction;
pub mod tags;
pub mod timestamp;
pub mod user_data;
pub mod user_profile;
pub mod validate;

pub use ids::*;
pub use pagination::{Page, PageQuery, PageRequest, PaginationMeta, SortOrder};
pub use patch::Patch;
