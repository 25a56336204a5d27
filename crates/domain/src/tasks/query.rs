//! Queries of the zone, project and task lists.

use serde::Deserialize;
use time::Date;
use uuid::Uuid;

use crate::entities::{ProjectStatus, TaskPriority, TaskStatus, ymd};
use crate::pagination::{DEFAULT_PAGE_SIZE, PageRequest, SortOrder};
use crate::{ContactId, ProjectId, TagId};

/// Query of `GET /omni-momentum/zones`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Copy, Default, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ZonesQuery {
    /// Add your project and task figures to each zone.
    #[garde(skip)]
    #[serde(default)]
    pub with_stats: bool,
}

/// Query of `GET /omni-momentum/projects`. Arrays repeat the key: `?status=active&status=on_hold`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProjectListQuery {
    /// Case-insensitive substring of the name.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub search: Option<String>,
    /// Any of these statuses.
    #[garde(length(max = 4))]
    #[serde(default)]
    #[param(inline)]
    pub status: Vec<ProjectStatus>,
    /// Only this zone's projects.
    #[garde(skip)]
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub zone_id: Option<Uuid>,
    /// Due on or after this date.
    #[garde(skip)]
    #[serde(default, with = "ymd::option")]
    #[param(value_type = Option<String>, format = Date)]
    pub due_after: Option<Date>,
    /// Due on or before this date.
    #[garde(skip)]
    #[serde(default, with = "ymd::option")]
    #[param(value_type = Option<String>, format = Date)]
    pub due_before: Option<Date>,
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

impl ProjectListQuery {
    /// The requested page.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

/// Sort keys of task lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum TaskSort {
    /// By due date (tasks without one last, whatever the order).
    DueDate,
    /// By priority (`high` is the largest).
    Priority,
    /// By creation time.
    #[default]
    CreatedAt,
    /// By last change.
    UpdatedAt,
}

/// Query of `GET /omni-momentum/tasks`. Arrays repeat the key: `?status=todo&status=done`.
/// Without `status`, suggestions awaiting approval are left out (they have their own list).
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TaskListQuery {
    /// Case-insensitive substring of the name.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub search: Option<String>,
    /// Any of these statuses.
    #[garde(length(max = 5))]
    #[serde(default)]
    #[param(inline)]
    pub status: Vec<TaskStatus>,
    /// Any of these priorities.
    #[garde(length(max = 3))]
    #[serde(default)]
    #[param(inline)]
    pub priority: Vec<TaskPriority>,
    /// Only this project's tasks.
    #[garde(skip)]
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub project_id: Option<ProjectId>,
    /// Only this zone's tasks.
    #[garde(skip)]
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub zone_id: Option<Uuid>,
    /// Carrying any of these tags (`?tagId=..&tagId=..`).
    #[garde(length(max = 50))]
    #[serde(default)]
    #[param(value_type = Vec<String>, format = Uuid)]
    pub tag_id: Vec<TagId>,
    /// Linked to this contact.
    #[garde(skip)]
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<ContactId>,
    /// Due on or after this date.
    #[garde(skip)]
    #[serde(default, with = "ymd::option")]
    #[param(value_type = Option<String>, format = Date)]
    pub due_after: Option<Date>,
    /// Due on or before this date.
    #[garde(skip)]
    #[serde(default, with = "ymd::option")]
    #[param(value_type = Option<String>, format = Date)]
    pub due_before: Option<Date>,
    /// `true`: only open tasks (`todo`, `in_progress`) due before today in your time zone.
    #[garde(skip)]
    #[serde(default)]
    pub overdue: bool,
    /// Sort key.
    #[garde(skip)]
    #[serde(default)]
    #[param(inline)]
    pub sort: TaskSort,
    /// Sort direction (largest first by default).
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

impl Default for TaskListQuery {
    fn default() -> Self {
        Self {
            search: None,
            status: Vec::new(),
            priority: Vec::new(),
            project_id: None,
            zone_id: None,
            tag_id: Vec::new(),
            contact_id: None,
            due_after: None,
            due_before: None,
            overdue: false,
            sort: TaskSort::default(),
            order: SortOrder::default(),
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl TaskListQuery {
    /// The requested page.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }

    /// The statuses listed: the requested ones, or every status but `pending_approval`.
    pub fn statuses(&self) -> Vec<TaskStatus> {
        if self.status.is_empty() {
            TaskStatus::ALL
                .into_iter()
                .filter(|s| *s != TaskStatus::PendingApproval)
                .collect()
        } else {
            self.status.clone()
        }
    }

    /// The search term, trimmed; `None` when absent or blank.
    pub fn search_term(&self) -> Option<&str> {
        self.search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }
}

/// Query of lists that take a page and nothing else (a project's tasks, a contact's open
/// tasks, the suggestions awaiting approval): sorted by due date, then creation.
pub use crate::pagination::PageQuery as TaskPageQuery;

fn default_page() -> u32 {
    1
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}
