use serde::Deserialize;

use crate::ContactId;
use crate::pagination::{DEFAULT_PAGE_SIZE, PageRequest, SortOrder};

/// Sort keys of note lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum NoteSort {
    /// By creation time.
    #[default]
    CreatedAt,
    /// By last change.
    UpdatedAt,
}

/// Query of `GET /notes`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoteListQuery {
    /// Only notes about this contact.
    #[garde(skip)]
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<ContactId>,
    /// Case-insensitive substring of the (redacted) plain text.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub search: Option<String>,
    /// Sort key.
    #[garde(skip)]
    #[serde(default)]
    #[param(inline)]
    pub sort: NoteSort,
    /// Sort direction (newest first by default).
    #[garde(skip)]
    #[serde(default)]
    #[param(inline)]
    pub order: SortOrder,
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

impl Default for NoteListQuery {
    fn default() -> Self {
        Self {
            contact_id: None,
            search: None,
            sort: NoteSort::default(),
            order: SortOrder::default(),
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl NoteListQuery {
    /// The requested page.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

/// Query of `GET /contacts/{id}/notes` (always newest first).
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactNotesQuery {
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

impl ContactNotesQuery {
    /// The same page as a note-list query about one contact.
    pub fn into_list_query(self, contact: ContactId) -> NoteListQuery {
        NoteListQuery {
            contact_id: Some(contact),
            page: self.page,
            page_size: self.page_size,
            ..NoteListQuery::default()
        }
    }
}

fn default_page() -> u32 {
    1
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}
