//! What the habit routes accept.

use garde::Validate;
use serde::Deserialize;
use time::Date;

use crate::entities::productivity::{HabitFrequency, HabitType};
use crate::patch::{Patch, nullable};
use crate::validate::{HEX_COLOR, not_blank, not_null};

/// Largest target or completion value.
pub const MAX_HABIT_VALUE: i32 = 1_000_000;

/// Body of `POST /omni-momentum/habits`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateHabit {
    /// Name (1..=200 characters, not blank).
    #[garde(length(chars, min = 1, max = 200), custom(not_blank))]
    pub name: String,
    /// Description.
    #[garde(length(chars, max = 2000))]
    #[serde(default)]
    pub description: Option<String>,
    /// How it is measured; `boolean` (done or not) when absent.
    #[garde(skip)]
    #[serde(default)]
    pub habit_type: Option<HabitType>,
    /// Target amount per period.
    #[garde(range(min = 1, max = 1_000_000))]
    #[serde(default)]
    pub target_value: Option<i32>,
    /// Unit of the target (`glasses`, `pages`).
    #[garde(length(chars, max = 50))]
    #[serde(default)]
    pub target_unit: Option<String>,
    /// How often the target applies; `daily` when absent.
    #[garde(skip)]
    #[serde(default)]
    pub target_frequency: Option<HabitFrequency>,
    /// Colour `#RRGGBB`; `#10B981` when absent.
    #[garde(pattern(HEX_COLOR))]
    #[schema(pattern = r"^#[0-9A-Fa-f]{6}$")]
    #[serde(default)]
    pub color: Option<String>,
    /// Icon name; `check-circle` when absent.
    #[garde(length(chars, max = 50))]
    #[serde(default)]
    pub icon_name: Option<String>,
    /// Still tracked; `true` when absent.
    #[garde(skip)]
    #[serde(default)]
    pub is_active: Option<bool>,
}

/// Body of `PATCH /omni-momentum/habits/{id}`: absent = unchanged; `null` clears the
/// description, target value, unit, colour or icon; name, type, frequency and the active
/// flag cannot be cleared.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateHabit {
    /// New name.
    #[garde(
        length(chars, min = 1, max = 200),
        custom(not_null),
        custom(not_blank_patch)
    )]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    /// New description, or `null`.
    #[garde(length(chars, max = 2000))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    /// New type.
    #[garde(custom(not_null))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<HabitType>)]
    pub habit_type: Patch<HabitType>,
    /// New target, or `null`.
    #[garde(range(min = 1, max = 1_000_000))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i32>)]
    pub target_value: Patch<i32>,
    /// New unit, or `null`.
    #[garde(length(chars, max = 50))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub target_unit: Patch<String>,
    /// New frequency.
    #[garde(custom(not_null))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<HabitFrequency>)]
    pub target_frequency: Patch<HabitFrequency>,
    /// New colour `#RRGGBB`, or `null`.
    #[garde(pattern(HEX_COLOR))]
    #[schema(pattern = r"^#[0-9A-Fa-f]{6}$")]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub color: Patch<String>,
    /// New icon, or `null`.
    #[garde(length(chars, max = 50))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub icon_name: Patch<String>,
    /// Still tracked.
    #[garde(custom(not_null))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    pub is_active: Patch<bool>,
}

/// Body of `POST /omni-momentum/habits/{id}/completions`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateHabitCompletion {
    /// The local day it was done; today in your time zone (`user-profile.timezone`) when
    /// absent.
    #[garde(skip)]
    #[serde(default, with = "crate::entities::ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub completed_date: Option<Date>,
    /// Amount done. A count, minutes or hours habit without one records its target (1
    /// when it has none); a yes/no habit records none and refuses one (409).
    #[garde(range(min = 0, max = 1_000_000))]
    #[serde(default)]
    pub value_completed: Option<i32>,
    /// Note.
    #[garde(length(chars, max = 2000))]
    #[serde(default)]
    pub notes: Option<String>,
}

fn not_blank_patch(value: &Patch<String>, ctx: &()) -> garde::Result {
    match value {
        Some(Some(text)) => not_blank(text, ctx),
        _ => Ok(()),
    }
}

impl UpdateHabit {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.habit_type.is_none()
            && self.target_value.is_none()
            && self.target_unit.is_none()
            && self.target_frequency.is_none()
            && self.color.is_none()
            && self.icon_name.is_none()
            && self.is_active.is_none()
    }
}
