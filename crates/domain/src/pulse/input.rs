//! What the pulse routes accept.

use garde::Validate;
use serde::Deserialize;
use time::Date;

use super::entity::{PulseDetails, PulsePeriod};
use crate::pagination::{DEFAULT_PAGE_SIZE, PageRequest};
use crate::patch::{Patch, nullable};
use crate::validate::not_null;

/// Largest count of tasks, contacts or habits in one day's entry.
pub const MAX_PULSE_COUNT: u32 = 100_000;

/// A day's answers: time, energy and mood are required ratings from 1 to 5 (fractions
/// allowed); sleep is an optional rating.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PulseDetailsInput {
    /// Time available or well spent, 1..=5.
    #[garde(range(min = 1.0, max = 5.0))]
    pub time: f64,
    /// Energy, 1..=5.
    #[garde(range(min = 1.0, max = 5.0))]
    pub energy: f64,
    /// Mood, 1..=5.
    #[garde(range(min = 1.0, max = 5.0))]
    pub mood: f64,
    /// Sleep quality, 1..=5.
    #[garde(range(min = 1.0, max = 5.0))]
    #[serde(default)]
    pub sleep: Option<f64>,
    /// Free text.
    #[garde(length(chars, max = 2000))]
    #[serde(default)]
    pub notes: Option<String>,
    /// Labels (at most 20, each 1..=50 characters).
    #[garde(length(max = 20), inner(length(chars, min = 1, max = 50)))]
    #[serde(default)]
    pub tags: Vec<String>,
    /// Tasks finished that day.
    #[garde(range(max = 100_000))]
    #[serde(default)]
    pub tasks_completed: Option<u32>,
    /// Clients engaged that day.
    #[garde(range(max = 100_000))]
    #[serde(default)]
    pub contacts_engaged: Option<u32>,
    /// Habits done that day.
    #[garde(range(max = 100_000))]
    #[serde(default)]
    pub habits_completed: Option<u32>,
}

/// Body of `POST /omni-momentum/pulse`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatePulseLog {
    /// The local day; today in your time zone when absent. One entry per day (409).
    #[garde(skip)]
    #[serde(default, with = "crate::entities::ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub log_date: Option<Date>,
    /// The answers.
    #[garde(dive)]
    pub details: PulseDetailsInput,
}

/// Changes to a day's answers: absent = unchanged; `null` clears an optional answer
/// (the three required ratings cannot be cleared).
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PulseDetailsPatch {
    /// Time, 1..=5.
    #[garde(custom(not_null), range(min = 1.0, max = 5.0))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    pub time: Patch<f64>,
    /// Energy, 1..=5.
    #[garde(custom(not_null), range(min = 1.0, max = 5.0))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    pub energy: Patch<f64>,
    /// Mood, 1..=5.
    #[garde(custom(not_null), range(min = 1.0, max = 5.0))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    pub mood: Patch<f64>,
    /// Sleep, 1..=5, or `null`.
    #[garde(range(min = 1.0, max = 5.0))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    pub sleep: Patch<f64>,
    /// Free text, or `null`.
    #[garde(length(chars, max = 2000))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
    /// The complete new label set (`[]` removes all).
    #[garde(custom(tags_patch))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = tags_patch_schema)]
    pub tags: Patch<Vec<String>>,
    /// Tasks finished, or `null`.
    #[garde(range(max = 100_000))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>)]
    pub tasks_completed: Patch<u32>,
    /// Clients engaged, or `null`.
    #[garde(range(max = 100_000))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>)]
    pub contacts_engaged: Patch<u32>,
    /// Habits done, or `null`.
    #[garde(range(max = 100_000))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>)]
    pub habits_completed: Patch<u32>,
}

/// Body of `PATCH /omni-momentum/pulse/{id}`: edits that day's answers.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdatePulseLog {
    /// The answers to change.
    #[garde(dive)]
    #[serde(default)]
    pub details: PulseDetailsPatch,
}

/// Query of `GET /omni-momentum/pulse` (newest day first).
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PulseListQuery {
    /// On or after this day.
    #[garde(skip)]
    #[serde(default, with = "crate::entities::ymd::option")]
    #[param(value_type = Option<String>, format = Date)]
    pub start_date: Option<Date>,
    /// On or before this day.
    #[garde(skip)]
    #[serde(default, with = "crate::entities::ymd::option")]
    #[param(value_type = Option<String>, format = Date)]
    pub end_date: Option<Date>,
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

/// Query of `GET /omni-momentum/pulse/analytics`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PulseAnalyticsQuery {
    /// Window ending today: `week` (7 days, the default), `month` (30) or `quarter` (90).
    #[garde(skip)]
    #[serde(default)]
    #[param(inline)]
    pub period: Option<PulsePeriod>,
}

/// Most labels on one entry, and their length in characters.
const MAX_TAGS: usize = 20;
const MAX_TAG_CHARS: usize = 50;

/// garde rule of a new label set: not `null`, at most 20 labels of 1..=50 characters
/// (garde's `inner` cannot reach through the `Option`s).
fn tags_patch(value: &Patch<Vec<String>>, _ctx: &()) -> garde::Result {
    let tags = match value {
        None => return Ok(()),
        Some(None) => return Err(garde::Error::new("must not be null")),
        Some(Some(tags)) => tags,
    };
    if tags.len() > MAX_TAGS {
        return Err(garde::Error::new(format!("at most {MAX_TAGS} labels")));
    }
    if tags
        .iter()
        .any(|t| t.is_empty() || t.chars().count() > MAX_TAG_CHARS)
    {
        return Err(garde::Error::new(format!(
            "each label has 1..={MAX_TAG_CHARS} characters"
        )));
    }
    Ok(())
}

/// The schema twin of [`tags_patch`].
fn tags_patch_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(MAX_TAG_CHARS)),
        )
        .max_items(Some(MAX_TAGS))
        .description(Some(
            "The complete new label set (`[]` removes all): at most 20, each 1..=50 characters.",
        ))
        .build()
}

fn default_page() -> u32 {
    1
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

impl PulseListQuery {
    /// The page asked for.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

impl From<PulseDetailsInput> for PulseDetails {
    fn from(input: PulseDetailsInput) -> Self {
        Self {
            time: input.time,
            energy: input.energy,
            mood: input.mood,
            sleep: input.sleep,
            notes: input.notes,
            tags: input.tags,
            tasks_completed: input.tasks_completed,
            contacts_engaged: input.contacts_engaged,
            habits_completed: input.habits_completed,
        }
    }
}

impl PulseDetailsPatch {
    /// `current` with the changes applied.
    pub fn apply(self, current: PulseDetails) -> PulseDetails {
        PulseDetails {
            time: self.time.flatten().unwrap_or(current.time),
            energy: self.energy.flatten().unwrap_or(current.energy),
            mood: self.mood.flatten().unwrap_or(current.mood),
            sleep: self.sleep.unwrap_or(current.sleep),
            notes: self.notes.unwrap_or(current.notes),
            tags: self.tags.flatten().unwrap_or(current.tags),
            tasks_completed: self.tasks_completed.unwrap_or(current.tasks_completed),
            contacts_engaged: self.contacts_engaged.unwrap_or(current.contacts_engaged),
            habits_completed: self.habits_completed.unwrap_or(current.habits_completed),
        }
    }
}
