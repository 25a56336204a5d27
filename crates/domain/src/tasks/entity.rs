//! What the OmniMomentum task routes return.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::entities::{ProjectStatus, Tag, TaskPriority, TaskStatus, Zone, ymd};
use crate::{ContactId, ProjectId, TaskId, UserId};

/// A zone, with the caller's figures when `withStats=true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ZoneItem {
    /// The zone.
    #[serde(flatten)]
    pub zone: Zone,
    /// Your projects and tasks in the zone (only with `withStats=true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<ZoneStats>,
}

/// One user's projects and tasks in one zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ZoneStats {
    /// Projects that are `active` or `on_hold`.
    pub active_projects: u64,
    /// Projects that are `completed`.
    pub completed_projects: u64,
    /// Tasks that are `todo` or `in_progress`.
    pub active_tasks: u64,
    /// Tasks that are `done`.
    pub completed_tasks: u64,
    /// All your projects and tasks in the zone, whatever their status.
    pub total_items: u64,
    /// The latest change to one of them.
    #[serde(with = "crate::timestamp::option")]
    pub last_activity: Option<OffsetDateTime>,
}

/// `GET /omni-momentum/zones`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ZoneList {
    /// Every zone, by name.
    pub items: Vec<ZoneItem>,
    /// How many.
    pub total: u64,
}

/// How far a project is: its tasks and how many are done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectProgress {
    /// The project's tasks, not counting canceled ones and suggestions awaiting approval.
    pub total_tasks: u64,
    /// Of those, the ones `done`.
    pub done_tasks: u64,
    /// `doneTasks / totalTasks` (0 when there are none), 0..=1.
    pub ratio: f64,
}

impl ProjectProgress {
    /// Progress from the two counts.
    pub fn new(total_tasks: u64, done_tasks: u64) -> Self {
        // Task counts are far below 2^52: the conversion is exact.
        let ratio = if total_tasks == 0 {
            0.0
        } else {
            done_tasks as f64 / total_tasks as f64
        };
        Self {
            total_tasks,
            done_tasks,
            ratio,
        }
    }
}

/// A project with its progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectView {
    /// Id.
    pub id: ProjectId,
    /// Owner.
    pub user_id: UserId,
    /// Name.
    pub name: String,
    /// Status.
    pub status: ProjectStatus,
    /// Due date.
    #[serde(with = "ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Date>,
    /// Free-form details (description, budget, ...).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// Zone.
    pub zone_id: Option<Uuid>,
    /// Share of its tasks done.
    pub progress: ProjectProgress,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

/// A step of a task, kept in the task's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Subtask {
    /// Id.
    pub id: Uuid,
    /// What to do.
    pub title: String,
    /// Done or not.
    pub completed: bool,
    /// Expected duration as the client writes it ("15m").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
}

/// A task with its tags, contacts and subtasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskView {
    /// Id.
    pub id: TaskId,
    /// Owner.
    pub user_id: UserId,
    /// Project.
    pub project_id: Option<ProjectId>,
    /// Zone.
    pub zone_id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Status.
    pub status: TaskStatus,
    /// Priority.
    pub priority: TaskPriority,
    /// Due date.
    #[serde(with = "ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Date>,
    /// Free-form details (description, notes, estimated duration, ...). The server keeps
    /// `details.subtasks` (see `/subtasks`).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// The subtasks, in order.
    pub subtasks: Vec<Subtask>,
    /// Set exactly while the status is `done`.
    #[serde(with = "crate::timestamp::option")]
    pub completed_at: Option<OffsetDateTime>,
    /// RRULE of a recurring task.
    pub recurrence: Option<String>,
    /// Why the suggestion was rejected.
    pub rejection_reason: Option<String>,
    /// When it was rejected.
    #[serde(with = "crate::timestamp::option")]
    pub rejected_at: Option<OffsetDateTime>,
    /// Tags, by name.
    pub tags: Vec<Tag>,
    /// Contacts the task is about.
    #[schema(value_type = Vec<Uuid>)]
    pub contact_ids: Vec<ContactId>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

/// `GET /omni-momentum/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MomentumStats {
    /// Tasks.
    pub tasks: TaskStats,
    /// Projects.
    pub projects: ProjectStats,
    /// Habits.
    pub habits: HabitsTodayStats,
    /// Inbox.
    pub inbox: InboxStats,
}

/// Task figures (suggestions awaiting approval are counted apart).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskStats {
    /// Every task except suggestions awaiting approval.
    pub total: u64,
    /// `done`.
    pub completed: u64,
    /// `in_progress`.
    pub in_progress: u64,
    /// Open (`todo`, `in_progress`) and due before today in your time zone.
    pub overdue: u64,
    /// Suggestions awaiting approval.
    pub pending_approval: u64,
}

/// Project figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectStats {
    /// Every project.
    pub total: u64,
    /// `active`.
    pub active: u64,
    /// `completed`.
    pub completed: u64,
}

/// Habit figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HabitsTodayStats {
    /// Active habits.
    pub active: u64,
    /// Active habits with a completion today (your time zone).
    pub completed_today: u64,
}

/// Inbox figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxStats {
    /// Items not processed yet.
    pub unprocessed: u64,
}
