use serde::Deserialize;
use time::OffsetDateTime;

use super::entity::ClientStatus;
use crate::pagination::{DEFAULT_PAGE_SIZE, PageRequest, SortOrder};

/// Sort keys of the contact list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ContactSort {
    /// By display name (case-insensitive).
    DisplayName,
    /// By creation time.
    #[default]
    CreatedAt,
    /// By last change.
    UpdatedAt,
}

/// Query of `GET /contacts` and `GET /contacts/count`. Arrays repeat the key:
/// `?clientStatus=active&clientStatus=at_risk`.
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactListQuery {
    /// Matches name, email and phone.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub search: Option<String>,
    /// Sort key.
    #[garde(skip)]
    #[serde(default)]
    pub sort: ContactSort,
    /// Sort direction.
    #[garde(skip)]
    #[serde(default)]
    pub order: SortOrder,
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Any of these lifecycle stages.
    #[garde(length(max = 20), inner(length(chars, min = 1, max = 64)))]
    #[serde(default)]
    pub lifecycle_stage: Vec<String>,
    /// Any of these statuses.
    #[garde(length(max = 4))]
    #[serde(default)]
    pub client_status: Vec<ClientStatus>,
    /// Any of these sources.
    #[garde(length(max = 20), inner(length(chars, min = 1, max = 64)))]
    #[serde(default)]
    pub source: Vec<String>,
    /// Created at or after.
    #[garde(skip)]
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_after: Option<OffsetDateTime>,
    /// Created before.
    #[garde(skip)]
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_before: Option<OffsetDateTime>,
}

impl Default for ContactListQuery {
    fn default() -> Self {
        Self {
            search: None,
            sort: ContactSort::default(),
            order: SortOrder::default(),
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
            lifecycle_stage: Vec::new(),
            client_status: Vec::new(),
            source: Vec::new(),
            created_after: None,
            created_before: None,
        }
    }
}

impl ContactListQuery {
    /// The requested page.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

fn default_page() -> u32 {
    1
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}
