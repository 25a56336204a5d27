//! The one error vocabulary of OmniCRM and its mapping to RFC 9457 problem details.
//!
//! Every layer reports failures as an [`AppError`]; the HTTP layer turns it into a
//! [`Problem`] body with exactly one status, `type` and stable `code` per [`ErrorCode`].
//! Internal causes travel inside the error for logging and are never serialised.
//!
//! This crate depends on neither diesel nor actix-web so other Rust tools can link it.
//!
//! # Matching on errors
//!
//! Every function of `omnicrm-repo` and `omnicrm-services` returns
//! `Result<T, AppError>` ([`AppResult`]). Decide what to do by its [`AppError::code`], a
//! closed enum whose snake_case spelling ([`ErrorCode::as_str`]) is the `code` member the
//! API sends; never by the text of [`AppError::detail`], which may change. Field-level
//! problems are in [`AppError::field_errors`] (a JSON pointer in the API's camelCase, a rule
//! code and a message), and a duplicate names the contact it collides with in
//! [`AppError::existing_id`].
//!
//! ```
//! use omnicrm_problem::{AppError, ErrorCode, FieldError};
//!
//! fn explain(err: &AppError) -> String {
//!     match err.code() {
//!         ErrorCode::ValidationFailed => err
//!             .field_errors()
//!             .iter()
//!             .map(|e| format!("{}: {}", e.pointer, e.message))
//!             .collect::<Vec<_>>()
//!             .join("; "),
//!         ErrorCode::Conflict => match err.existing_id() {
//!             Some(id) => format!("duplicate of {id}"),
//!             None => "conflict".to_owned(),
//!         },
//!         ErrorCode::NotFound => "not yours, or gone".to_owned(),
//!         // Contention and an unreachable database: safe to try again later.
//!         ErrorCode::Unavailable => "try again".to_owned(),
//!         other => other.as_str().to_owned(),
//!     }
//! }
//!
//! let err = AppError::validation(vec![FieldError::new("/primaryEmail", "email", "not an email")]);
//! assert_eq!(err.code(), ErrorCode::ValidationFailed);
//! assert_eq!(err.status(), 400);
//! assert_eq!(explain(&err), "/primaryEmail: not an email");
//! assert_eq!(ErrorCode::from_slug("not-found"), Some(ErrorCode::NotFound));
//! ```
//!
//! # Stable surface
//!
//! Everything this crate exports is re-exported here, at its root; the modules are
//! private. ADR 0027 (`docs/adr/0027-library-surface.md`) records what other tools may
//! rely on across versions: a code is never removed or renamed, and its spelling and
//! default status stay; new codes may be added, so keep a catch-all arm.

#![deny(missing_docs)]

mod code;
mod error;
mod problem;

pub use code::ErrorCode;
pub use error::{AppError, AppResult, FieldError};
pub use problem::{Problem, problem_type_url};
