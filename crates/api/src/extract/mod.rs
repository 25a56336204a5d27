//! Extractors that turn every serde, garde and content-type failure into the right problem.

mod access;
mod action;
mod garde_map;
mod json;
mod path;
mod query;
mod upload;

pub use access::ClientAccess;
pub(crate) use action::action_body;
pub use action::{ActionBody, EmptyBody};
pub use json::{ValidJson, parse_body};
pub use path::IdPath;
pub use query::ValidQuery;
pub use upload::{FILE_FIELD, MAX_TEXT_FIELD, UploadLimits, declared_file_bytes, read_upload};
