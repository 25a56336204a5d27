//! Tags: per-user labels for contacts, tasks, notes and goals. The entity itself
//! ([`Tag`], [`TagCategory`]) lives in [`crate::entities::tags`]; this module holds what the
//! `/tags` routes accept and answer.

mod input;
mod output;
mod query;

pub use crate::entities::tags::{Tag, TagCategory, TagTemplate, TaggableEntity};
pub use input::{
    BulkDeleteTags, CreateTag, DEFAULT_TAG_COLOR, MAX_TAG_NAME_CHARS, TagAssignment, UpdateTag,
};
pub use output::{AppliedTags, BulkDeleteOutcome, RemovedTags, TagUsage, TagUsageByEntity};
pub use query::{EntityTagsQuery, TagListQuery, TagSort};
