//! Tags: per-user labels for contacts, tasks, notes and goals: the entity ([`Tag`],
//! [`TagCategory`]) and what the `/tags` routes accept and answer.

mod entity;
mod input;
mod output;
mod query;

pub use entity::{Tag, TagCategory, TagTemplate, TaggableEntity};
pub use input::{
    BulkDeleteTags, CreateTag, DEFAULT_TAG_COLOR, MAX_TAG_NAME_CHARS, TagAssignment, UpdateTag,
};
pub use output::{AppliedTags, BulkDeleteOutcome, RemovedTags, TagUsage, TagUsageByEntity};
pub use query::{EntityTagsQuery, TagListQuery, TagSort};
