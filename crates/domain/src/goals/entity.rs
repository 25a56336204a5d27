//! What the goal routes answer.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::entities::productivity::{GoalStatus, GoalType};
use crate::entities::ymd;
use crate::{ContactId, GoalId, NoteId, TagId, UserId};

/// The goal's free-form part as stored in `goals.details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoalDetails {
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Progress in percent.
    #[serde(default)]
    pub progress: u8,
}

/// A tag on a goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GoalTag {
    /// Id.
    pub id: TagId,
    /// Name.
    pub name: String,
    /// Hex colour.
    pub color: String,
}

/// A goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Goal {
    /// Id.
    pub id: GoalId,
    /// Owner.
    pub user_id: UserId,
    /// The client whose goal it is; `null` for the practitioner's own goal.
    pub contact_id: Option<ContactId>,
    /// Name.
    pub name: String,
    /// Kind of goal.
    pub goal_type: GoalType,
    /// Status.
    pub status: GoalStatus,
    /// Target date.
    #[serde(with = "ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub target_date: Option<Date>,
    /// Description.
    pub description: Option<String>,
    /// Progress in percent, 0..=100.
    pub progress: u8,
    /// Tags, by name.
    pub tags: Vec<GoalTag>,
    /// Linked notes, oldest link first.
    pub note_ids: Vec<NoteId>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}
