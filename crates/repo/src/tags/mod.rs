//! Tags: rows, the per-user tag queries, the four `*_tags` junctions and usage statistics.

mod links;
mod queries;
mod row;
mod stats;

pub use links::TagLinksRepository;
pub use queries::TagsRepository;
pub use row::{NewTagRow, TagChanges, TagRow};
pub use stats::TagStatsRepository;
