//! The one error vocabulary of OmniCRM and its mapping to RFC 9457 problem details.
//!
//! Every layer reports failures as an [`AppError`]; the HTTP layer turns it into a
//! [`Problem`] body with exactly one status, `type` and stable `code` per [`ErrorCode`].
//! Internal causes travel inside the error for logging and are never serialised.
//!
//! This crate depends on neither diesel nor actix-web so other Rust tools can link it.

mod code;
mod error;
mod problem;

pub use code::ErrorCode;
pub use error::{AppError, AppResult, FieldError};
pub use problem::{Problem, problem_type_url};
