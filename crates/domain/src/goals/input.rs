//! What the goal routes accept.

use garde::Validate;
use serde::Deserialize;
use time::Date;

use crate::entities::productivity::{GoalStatus, GoalType};
use crate::pagination::{DEFAULT_PAGE_SIZE, PageRequest};
use crate::patch::{Patch, nullable};
use crate::validate::{not_blank, not_null};
use crate::{ContactId, NoteId, TagId};

/// Most tags or notes one goal can be linked to.
pub const MAX_GOAL_LINKS: usize = 50;

/// Body of `POST /omni-momentum/goals`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateGoal {
    /// Name (1..=200 characters, not blank).
    #[garde(length(chars, min = 1, max = 200), custom(not_blank))]
    pub name: String,
    /// Kind of goal.
    #[garde(skip)]
    pub goal_type: GoalType,
    /// The client (one of your contacts) whose goal it is: required for `client_wellness`,
    /// absent or `null` for a practitioner goal.
    #[garde(skip)]
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<ContactId>,
    /// Status; `on_track` when absent.
    #[garde(skip)]
    #[serde(default)]
    pub status: Option<GoalStatus>,
    /// Target date.
    #[garde(skip)]
    #[serde(default, with = "crate::entities::ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub target_date: Option<Date>,
    /// Description.
    #[garde(length(chars, max = 5000))]
    #[serde(default)]
    pub description: Option<String>,
    /// Progress in percent; 0 when absent.
    #[garde(range(max = 100))]
    #[serde(default)]
    pub progress: Option<u8>,
    /// Your tags to put on the goal.
    #[garde(length(max = 50))]
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub tag_ids: Vec<TagId>,
    /// Your notes to link to the goal.
    #[garde(length(max = 50))]
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub note_ids: Vec<NoteId>,
}

/// Body of `PATCH /omni-momentum/goals/{id}`: absent = unchanged; `null` clears the
/// contact, target date or description; `tagIds` / `noteIds` replace the whole set.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateGoal {
    /// New name.
    #[garde(
        length(chars, min = 1, max = 200),
        custom(not_null),
        custom(not_blank_patch)
    )]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    /// New kind.
    #[garde(custom(not_null))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<GoalType>)]
    pub goal_type: Patch<GoalType>,
    /// New client, or `null` for a practitioner goal. The goal after the PATCH must fit its
    /// kind: a `client_wellness` goal names a client, a practitioner goal none (400 at
    /// `/contactId`).
    #[garde(skip)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub contact_id: Patch<ContactId>,
    /// New status.
    #[garde(custom(not_null))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<GoalStatus>)]
    pub status: Patch<GoalStatus>,
    /// New target date, or `null`.
    #[garde(skip)]
    #[serde(default, deserialize_with = "patch_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub target_date: Patch<Date>,
    /// New description, or `null`.
    #[garde(length(chars, max = 5000))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    /// New progress in percent.
    #[garde(custom(not_null), range(max = 100))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u8>)]
    pub progress: Patch<u8>,
    /// The goal's complete new tag set.
    #[garde(length(max = 50))]
    #[serde(default)]
    #[schema(value_type = Option<Vec<uuid::Uuid>>)]
    pub tag_ids: Option<Vec<TagId>>,
    /// The goal's complete new set of linked notes.
    #[garde(length(max = 50))]
    #[serde(default)]
    #[schema(value_type = Option<Vec<uuid::Uuid>>)]
    pub note_ids: Option<Vec<NoteId>>,
}

/// Query of `GET /omni-momentum/goals` (newest first).
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GoalListQuery {
    /// Any of these kinds.
    #[garde(length(max = 3))]
    #[serde(default)]
    pub goal_type: Vec<GoalType>,
    /// Any of these statuses.
    #[garde(length(max = 4))]
    #[serde(default)]
    pub status: Vec<GoalStatus>,
    /// Only this client's goals.
    #[garde(skip)]
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<ContactId>,
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

fn default_page() -> u32 {
    1
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

fn not_blank_patch(value: &Patch<String>, ctx: &()) -> garde::Result {
    match value {
        Some(Some(text)) => not_blank(text, ctx),
        _ => Ok(()),
    }
}

/// `null` = clear, a `YYYY-MM-DD` = set (absent is handled by `default`).
fn patch_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Patch<Date>, D::Error> {
    crate::entities::ymd::option::deserialize(d).map(Some)
}

impl GoalListQuery {
    /// The page asked for.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }
}
