use serde::Deserialize;

use super::TagCategory;
use crate::pagination::{DEFAULT_PAGE_SIZE, PageRequest, SortOrder};

/// Sort keys of the tag list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum TagSort {
    /// By name, ignoring case.
    #[default]
    Name,
    /// By the number of entities carrying the tag.
    UsageCount,
    /// By creation time.
    CreatedAt,
    /// By last change.
    UpdatedAt,
}

impl TagSort {
    /// Direction when `order` is absent: A→Z for names, largest/newest first otherwise.
    pub fn default_order(self) -> SortOrder {
        match self {
            Self::Name => SortOrder::Asc,
            Self::UsageCount | Self::CreatedAt | Self::UpdatedAt => SortOrder::Desc,
        }
    }
}

/// Query of `GET /tags`. Arrays repeat the key: `?category=health_wellness&category=emotional_mental`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TagListQuery {
    /// Part of the name (case-insensitive).
    #[garde(length(chars, min = 1, max = 100))]
    #[serde(default)]
    pub search: Option<String>,
    /// Any of these categories.
    #[garde(length(max = 6))]
    #[serde(default)]
    pub category: Vec<TagCategory>,
    /// Only system tags (`true`) or only the user's own (`false`).
    #[garde(skip)]
    #[serde(default)]
    pub is_system: Option<bool>,
    /// Sort key (default `name`).
    #[garde(skip)]
    #[serde(default)]
    #[param(inline)]
    pub sort: TagSort,
    /// Sort direction (default `asc` for `name`, `desc` otherwise).
    #[garde(skip)]
    #[serde(default)]
    #[param(inline)]
    pub order: Option<SortOrder>,
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

impl Default for TagListQuery {
    fn default() -> Self {
        Self {
            search: None,
            category: Vec::new(),
            is_system: None,
            sort: TagSort::default(),
            order: None,
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl TagListQuery {
    /// The requested page.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }

    /// The effective sort direction.
    pub fn effective_order(&self) -> SortOrder {
        self.order.unwrap_or_else(|| self.sort.default_order())
    }
}

/// Query of `GET /contacts/{id}/tags`: a page of the contact's tags by name.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntityTagsQuery {
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

impl Default for EntityTagsQuery {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl EntityTagsQuery {
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
