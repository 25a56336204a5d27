use serde::Deserialize;
use time::OffsetDateTime;

use super::entity::ClientStatus;
use crate::TagId;
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
    /// Best match of `search` first (then by id); the default when `search` is given.
    /// Without `search` it falls back to `createdAt`. Always best first: `order` is ignored.
    Relevance,
}

/// Query of `GET /contacts` and `GET /contacts/count`. Arrays repeat the key:
/// `?clientStatus=active&clientStatus=at_risk`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactListQuery {
    /// Matches name, email and phone: substrings (case-insensitive), the digits of a phone
    /// number, and near misses of 4+ character terms (typo tolerance).
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub search: Option<String>,
    /// Sort key; default `relevance` with `search`, else `createdAt`.
    #[garde(skip)]
    #[serde(default)]
    #[param(inline)]
    pub sort: Option<ContactSort>,
    /// Sort direction.
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
    /// Carrying any of these tags (`?tagId=..&tagId=..`).
    #[garde(length(max = 50))]
    #[serde(default)]
    #[param(value_type = Vec<String>, format = Uuid)]
    pub tag_id: Vec<TagId>,
    /// `true`: only contacts with a primary email; `false`: only those without.
    #[garde(skip)]
    #[serde(default)]
    pub has_email: Option<bool>,
    /// `true`: only contacts with a primary phone; `false`: only those without.
    #[garde(skip)]
    #[serde(default)]
    pub has_phone: Option<bool>,
}

impl Default for ContactListQuery {
    fn default() -> Self {
        Self {
            search: None,
            sort: None,
            order: SortOrder::default(),
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
            lifecycle_stage: Vec::new(),
            client_status: Vec::new(),
            source: Vec::new(),
            created_after: None,
            created_before: None,
            tag_id: Vec::new(),
            has_email: None,
            has_phone: None,
        }
    }
}

impl ContactListQuery {
    /// The search term, trimmed; `None` when absent or blank.
    pub fn search_term(&self) -> Option<&str> {
        self.search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    /// Whether the query selects every contact of the user (no search and no filter), so
    /// its total is the user's contact count.
    pub fn selects_all(&self) -> bool {
        self.search_term().is_none()
            && self.lifecycle_stage.is_empty()
            && self.client_status.is_empty()
            && self.source.is_empty()
            && self.created_after.is_none()
            && self.created_before.is_none()
            && self.tag_id.is_empty()
            && self.has_email.is_none()
            && self.has_phone.is_none()
    }

    /// The sort that applies: the requested one, else relevance when searching, else
    /// creation time. Relevance without a search term means creation time.
    pub fn effective_sort(&self) -> ContactSort {
        match (self.sort, self.search_term().is_some()) {
            (Some(ContactSort::Relevance) | None, true) => ContactSort::Relevance,
            (Some(ContactSort::Relevance) | None, false) => ContactSort::CreatedAt,
            (Some(sort), _) => sort,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relevance_is_the_default_only_when_searching() {
        let mut q = ContactListQuery::default();
        assert_eq!(q.effective_sort(), ContactSort::CreatedAt);
        q.search = Some("  ann ".to_owned());
        assert_eq!(q.search_term(), Some("ann"));
        assert_eq!(q.effective_sort(), ContactSort::Relevance);
        q.sort = Some(ContactSort::DisplayName);
        assert_eq!(q.effective_sort(), ContactSort::DisplayName);
        q.search = Some("   ".to_owned());
        q.sort = Some(ContactSort::Relevance);
        assert_eq!(q.search_term(), None);
        assert_eq!(q.effective_sort(), ContactSort::CreatedAt);
    }
}
