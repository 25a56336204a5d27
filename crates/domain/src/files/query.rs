use serde::Deserialize;

use crate::entities::FileType;
use crate::pagination::{DEFAULT_PAGE_SIZE, PageRequest};

/// Query of `GET /contacts/{id}/files`: offset pagination, newest first, optionally only
/// some kinds (`?fileType=photo&fileType=form`).
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FileListQuery {
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Any of these kinds (all when absent).
    #[garde(length(max = 3))]
    #[serde(default)]
    pub file_type: Vec<FileType>,
}

impl Default for FileListQuery {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
            file_type: Vec::new(),
        }
    }
}

impl FileListQuery {
    /// The requested page.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

/// Query of `GET /contacts/{id}/photo-access-log`: cursor pagination, newest first.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PhotoAccessLogQuery {
    /// Page size (1..=200, default 50).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_limit")]
    pub limit: u32,
    /// `nextCursor` of the previous page.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub cursor: Option<String>,
}

fn default_page() -> u32 {
    1
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

fn default_limit() -> u32 {
    50
}
