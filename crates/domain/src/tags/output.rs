use serde::{Deserialize, Serialize};

use crate::TagId;

/// Answer of `POST /tags/apply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppliedTags {
    /// How many tags were newly attached (tags already on the entity are not counted).
    pub applied: u32,
    /// The newly attached tags, in request order.
    pub tag_ids: Vec<TagId>,
}

/// Answer of `POST /tags/remove`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemovedTags {
    /// How many tags were detached (tags that were not on the entity are not counted).
    pub removed: u32,
    /// The detached tags, in request order.
    pub tag_ids: Vec<TagId>,
}

/// Answer of `POST /tags/bulk-delete`: `{"deleted": n, "errors": [{"id", "code"}]}`.
pub type BulkDeleteOutcome = crate::bulk::BulkDeleted<TagId>;

/// How often a tag is attached, per kind of entity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagUsageByEntity {
    /// Contacts carrying the tag.
    pub contact: u64,
    /// Tasks carrying the tag.
    pub task: u64,
    /// Notes carrying the tag.
    pub note: u64,
    /// Goals carrying the tag.
    pub goal: u64,
}

impl TagUsageByEntity {
    /// All uses together.
    pub fn total(self) -> u64 {
        self.contact + self.task + self.note + self.goal
    }
}

/// Usage of one tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagUsage {
    /// The tag.
    pub tag_id: TagId,
    /// Its name.
    pub name: String,
    /// All uses together (the sum of `byEntity`).
    pub usage_count: u64,
    /// Uses per kind of entity.
    pub by_entity: TagUsageByEntity,
}
