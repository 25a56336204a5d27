//! Tags: the global starter templates and per-user tags.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{TagId, UserId};

string_enum! {
    /// Category of a tag.
    TagCategory {
        /// Services and modalities offered.
        ServicesModalities => "services_modalities",
        /// Who the client is.
        ClientDemographics => "client_demographics",
        /// Scheduling and attendance patterns.
        ScheduleAttendance => "schedule_attendance",
        /// Health and wellness topics.
        HealthWellness => "health_wellness",
        /// Marketing and engagement.
        MarketingEngagement => "marketing_engagement",
        /// Emotional and mental topics.
        EmotionalMental => "emotional_mental",
    }
}

string_enum! {
    /// What a tag can be attached to.
    TaggableEntity {
        /// A contact (`contact_tags`).
        Contact => "contact",
        /// A task (`task_tags`).
        Task => "task",
        /// A note (`note_tags`).
        Note => "note",
        /// A goal (`goal_tags`).
        Goal => "goal",
    }
}

/// A starter tag every user receives (global reference data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagTemplate {
    /// Fixed id (UUIDv5 of `tag-template:<category>:<name>`).
    pub id: Uuid,
    /// Name (1..=100 characters).
    pub name: String,
    /// Category.
    pub category: TagCategory,
    /// Hex colour `#RRGGBB`.
    pub color: String,
}

/// A user's tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    /// Id.
    pub id: TagId,
    /// Owner.
    pub user_id: UserId,
    /// Name (1..=100 characters, unique per user case-insensitively).
    pub name: String,
    /// Category.
    pub category: TagCategory,
    /// Hex colour `#RRGGBB`.
    pub color: String,
    /// Copied from a template (name and category fixed, never deleted).
    pub is_system: bool,
    /// The template it was copied from (set exactly for system tags).
    pub template_id: Option<Uuid>,
    /// Number of contacts, tasks, notes and goals carrying it.
    pub usage_count: i32,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        assert_enums_round_trip!(TagCategory, TaggableEntity);
    }
}
