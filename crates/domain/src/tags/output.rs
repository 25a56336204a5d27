use omnicrm_problem::ErrorCode;
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

/// One id of a bulk delete that was not deleted, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkDeleteError {
    /// The id as sent.
    pub id: TagId,
    /// `not_found` (no such tag of yours) or `conflict` (a system tag).
    pub code: ErrorCode,
}

/// Answer of `POST /tags/bulk-delete`: `{"deleted": n, "errors": [{"id", "code"}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkDeleteOutcome {
    /// How many tags were deleted.
    pub deleted: u64,
    /// The ids that were not deleted, in request order.
    pub errors: Vec<BulkDeleteError>,
}

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

/// Answer of `GET /tags/stats`: every tag of the user, most used first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagStats {
    /// One entry per tag, by usage (descending), then name.
    pub items: Vec<TagUsage>,
}
