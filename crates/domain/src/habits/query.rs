//! Query strings of the habit routes.

use serde::Deserialize;
use time::Date;

use crate::pagination::{DEFAULT_PAGE_SIZE, PageRequest};

fn default_page() -> u32 {
    1
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

/// Query of `GET /omni-momentum/habits` (oldest first).
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HabitListQuery {
    /// Only active (`true`) or only inactive (`false`) habits; all when absent.
    #[garde(skip)]
    #[serde(default)]
    pub is_active: Option<bool>,
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

/// Query of `GET /omni-momentum/habits/{id}/completions` (newest day first).
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CompletionListQuery {
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

/// Query of `GET /omni-momentum/habits/{id}/analytics`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HabitAnalyticsQuery {
    /// Days of the window ending today (7..=365, default 30).
    #[garde(range(min = 7, max = 365))]
    #[serde(default = "default_days")]
    pub days: u16,
}

fn default_days() -> u16 {
    30
}

impl HabitListQuery {
    /// The page asked for.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

impl CompletionListQuery {
    /// The page asked for.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }
}
