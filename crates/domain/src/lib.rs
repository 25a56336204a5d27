//! OmniCRM's domain: typed ids, entities, enums, validated input DTOs and pagination.
//!
//! Pure data and rules: no database, no HTTP. Other Rust tools link this crate to speak
//! the API's types; `.ci/run` checks that it never pulls in diesel or actix-web.
//!
//! # What is here
//!
//! * **Typed ids** ([`UserId`], [`ContactId`], [`NoteId`], ...), re-exported at the root:
//!   a `ContactId` cannot be passed where a `NoteId` is meant. Every user is its own
//!   tenant, so almost every call of `omnicrm-repo` takes a [`UserId`].
//! * **One module per area** ([`contacts`], [`notes`], [`consents`], [`tags`], ...), each
//!   with the entity the API returns and the input DTOs it accepts, in the API's camelCase
//!   JSON names (serde) and with the API's rules attached ([garde](https://docs.rs/garde)).
//!   A DTO that passes `validate()` here is accepted by the server, and one that fails is
//!   refused with the same fields named.
//! * **Pagination** ([`PageQuery`], [`Page`]) and the [`Patch`] type of PATCH bodies
//!   (absent, `null`, or a value).
//! * **Contact import** ([`contacts::import`]): the CSV format of `POST /contacts/import`
//!   and of the `import_contacts` example, parsed and validated row by row.
//!
//! Errors are [`omnicrm_problem::AppError`]; see that crate for matching on their codes.
//!
//! # Validating input as the API does
//!
//! ```
//! use garde::Validate;
//! use omnicrm_domain::contacts::CreateContact;
//! use omnicrm_domain::field_errors;
//!
//! let input: CreateContact = serde_json::from_value(serde_json::json!({
//!     "displayName": "Ada Lovelace",
//!     "primaryEmail": "not an email",
//! }))
//! .unwrap();
//! let report = input.validate().unwrap_err();
//! // The same JSON pointers the API's 400 `validation_failed` answer names.
//! let pointers: Vec<String> = field_errors(&report).into_iter().map(|e| e.pointer).collect();
//! assert_eq!(pointers, ["/primaryEmail"]);
//! ```
//!
//! # Getting at the database
//!
//! This crate has none. Reads and writes go through `omnicrm-repo`, whose
//! `Db::tenant` opens the one kind of transaction that may touch a user's rows (row-level
//! security applies to it; connect as the app role). Its crate documentation shows how.
//!
//! # Stable surface
//!
//! The public modules and the root re-exports are the surface; ADR 0027
//! (`docs/adr/0027-library-surface.md`) records which of it other tools may rely on
//! across versions: the serialised form of entities and inputs follows the API's
//! compatibility rules, while Rust-level details (new fields, new enum variants) may grow.
//! A public module is an area of the API (plus [`timestamp`], which serde's `with` names by
//! path); the crate's helpers (validation rules such as [`field_errors`], the user's local
//! day [`local_date`], PII detection [`redact`]) live in private modules and are
//! re-exported here (ADR 0034).
#![deny(missing_docs)]

pub mod ai;
pub mod bulk;
pub mod consents;
pub mod contacts;
#[cfg(test)]
mod cpu_timing;
#[macro_use]
pub mod entities;
pub mod documents;
pub mod embeddings;
pub mod files;
pub mod goals;
pub mod google;
pub mod habits;
pub mod identities;
mod ids;
pub mod inbox;
pub mod inbox_rules;
pub mod insights;
pub mod jobs;
mod local_day;
pub mod notes;
pub mod onboarding;
mod pagination;
mod patch;
pub mod pulse;
mod redaction;
pub mod search;
pub mod tags;
pub mod tasks;
pub mod timeline;
pub mod timestamp;
pub mod user_data;
pub mod user_profile;
mod validate;

// The stable root: typed ids, pagination and the PATCH field type (ADR 0027). The area
// modules above are public; `ids`, `pagination`, `patch` and the helper modules below
// (ADR 0034) are reached only from here.
pub use ids::*;
pub use pagination::{
    DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageQuery, PageRequest, PaginationMeta, SortOrder,
};
pub use patch::Patch;

// Helpers of the crate, private since ADR 0034: the validation rules and their field
// pointers, the user's local day, and PII detection in note text.
pub use local_day::{Zone, local_date, zone};
pub use redaction::{PiiEntity, PiiMatch, PiiType, Redacted, find_pii, redact};
pub use validate::{
    HEX_COLOR, PHONE, field_errors, is_exactly, is_true, not_blank, not_blank_opt, not_null,
    pointer_from_garde_path,
};
// Building blocks of the OpenAPI patterns that mirror custom rules (`omnicrm-api`).
#[doc(hidden)]
pub use validate::{PHONE_TRIMMED, TRIMMED, blank_or_padded, padded};
