//! Offset pagination per the API rulebook: `page` ≥ 1 (default 1), `pageSize` 1..=200 (default 20).

use serde::{Deserialize, Serialize};

/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u32 = 200;
/// Page size when none is given.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// Which page of a list to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl PageRequest {
    /// Rows to skip.
    pub fn offset(self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.page_size)
    }

    /// Rows to return.
    pub fn limit(self) -> i64 {
        i64::from(self.page_size)
    }
}

/// The query of a list that takes nothing but its page: `?page=&pageSize=`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

impl Default for PageQuery {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl PageQuery {
    /// The requested page.
    pub fn page_request(self) -> PageRequest {
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

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Smallest first.
    Asc,
    /// Largest first.
    #[default]
    Desc,
}

/// The `pagination` member of an offset list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaginationMeta {
    /// 1-based page number.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
    /// Items in the whole list.
    pub total: u64,
    /// Pages in the whole list (0 when empty).
    pub total_pages: u64,
    /// Whether a later page has items.
    pub has_next: bool,
    /// Whether an earlier page exists.
    pub has_prev: bool,
}

impl PaginationMeta {
    /// Computes the metadata for a page of a list of `total` items.
    pub fn new(request: PageRequest, total: u64) -> Self {
        let size = u64::from(request.page_size.max(1));
        let total_pages = total.div_ceil(size);
        let page = u64::from(request.page);
        Self {
            page: request.page,
            page_size: request.page_size,
            total,
            total_pages,
            has_next: page < total_pages,
            has_prev: page > 1 && total_pages > 0,
        }
    }
}

/// An offset-paginated list: `{"items": [...], "pagination": {...}}`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where this page sits in the list.
    pub pagination: PaginationMeta,
}

impl<T> Page<T> {
    /// The requested page of a whole list held in memory (for lists that are computed, not
    /// stored, and small enough to compute whole).
    pub fn from_all(all: Vec<T>, request: PageRequest) -> Self {
        let total = u64::try_from(all.len()).unwrap_or(u64::MAX);
        let skip = usize::try_from(request.offset()).unwrap_or(usize::MAX);
        let take = usize::try_from(request.limit()).unwrap_or(usize::MAX);
        Self {
            items: all.into_iter().skip(skip).take(take).collect(),
            pagination: PaginationMeta::new(request, total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_matches_the_rulebook() {
        let meta = PaginationMeta::new(
            PageRequest {
                page: 2,
                page_size: 20,
            },
            41,
        );
        assert_eq!(
            (meta.total_pages, meta.has_next, meta.has_prev),
            (3, true, true)
        );
        let empty = PaginationMeta::new(PageRequest::default(), 0);
        assert_eq!(
            (empty.total_pages, empty.has_next, empty.has_prev),
            (0, false, false)
        );
        let past_end = PaginationMeta::new(
            PageRequest {
                page: 9,
                page_size: 20,
            },
            41,
        );
        assert!(!past_end.has_next);
        assert_eq!(
            PageRequest {
                page: 3,
                page_size: 50
            }
            .offset(),
            100
        );
    }
}
