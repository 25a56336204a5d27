//! Extractors that turn every serde, garde and content-type failure into the right problem.

mod garde_map;
mod json;
mod path;
mod query;

pub use json::ValidJson;
pub use path::IdPath;
pub use query::ValidQuery;
