//! Row types of projects and tasks: each field is the column of the same name.

#![allow(
    missing_docs,
    reason = "row fields are the table's columns one to one; the migrations document them"
)]

use diesel::prelude::*;
use omnicrm_domain::ContactId;
use omnicrm_domain::entities::{ProjectStatus, Tag, TaskPriority, TaskStatus};
use omnicrm_domain::tasks::{ProjectProgress, ProjectView, SUBTASKS_KEY, Subtask, TaskView};
use omnicrm_problem::AppError;
use serde_json::{Map, Value};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::schema::{projects, tasks};

/// A `projects` row as stored.
#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = projects, check_for_backend(diesel::pg::Pg))]
pub struct ProjectRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub status: String,
    pub due_date: Option<Date>,
    pub details: Value,
    pub zone_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Values for `INSERT INTO projects`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = projects)]
pub struct NewProjectRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub status: String,
    pub due_date: Option<Date>,
    pub details: Value,
    pub zone_id: Option<Uuid>,
}

/// A partial update of a project: `None` leaves a column alone.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = projects)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub status: Option<String>,
    pub due_date: Option<Option<Date>>,
    pub details: Option<Value>,
    pub zone_id: Option<Option<Uuid>>,
}

impl ProjectChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.status.is_none()
            && self.due_date.is_none()
            && self.details.is_none()
            && self.zone_id.is_none()
    }
}

impl ProjectRow {
    /// The API's project with its progress.
    pub fn into_project(self, progress: ProjectProgress) -> Result<ProjectView, AppError> {
        let status = ProjectStatus::parse(&self.status).ok_or_else(|| {
            AppError::internal(format!("projects.status holds {:?}", self.status))
        })?;
        Ok(ProjectView {
            id: self.id.into(),
            user_id: self.user_id.into(),
            name: self.name,
            status,
            due_date: self.due_date,
            details: self.details,
            zone_id: self.zone_id,
            progress,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A `tasks` row as stored.
#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = tasks, check_for_backend(diesel::pg::Pg))]
pub struct TaskRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub project_id: Option<Uuid>,
    pub zone_id: Option<Uuid>,
    pub name: String,
    pub status: String,
    pub priority: String,
    pub due_date: Option<Date>,
    pub details: Value,
    pub completed_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub recurrence: Option<String>,
    pub recurrence_next_id: Option<Uuid>,
    pub rejection_reason: Option<String>,
    pub rejected_at: Option<OffsetDateTime>,
}

/// The columns of [`TaskRow`] over the alias `t`, named rather than `t.*` so a prepared
/// list statement keeps its result type when `tasks` gains a column.
pub const TASK_COLUMNS: &str = "t.user_id, t.id, t.project_id, t.zone_id, t.name, t.status, \
     t.priority, t.due_date, t.details, t.completed_at, t.created_at, t.updated_at, \
     t.recurrence, t.recurrence_next_id, t.rejection_reason, t.rejected_at";

/// Values for `INSERT INTO tasks`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tasks)]
pub struct NewTaskRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub project_id: Option<Uuid>,
    pub zone_id: Option<Uuid>,
    pub name: String,
    pub status: String,
    pub priority: String,
    pub due_date: Option<Date>,
    pub details: Value,
    pub recurrence: Option<String>,
}

/// A partial update of a task: `None` leaves a column alone.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = tasks)]
pub struct TaskChanges {
    pub name: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub due_date: Option<Option<Date>>,
    pub details: Option<Value>,
    pub project_id: Option<Option<Uuid>>,
    pub zone_id: Option<Option<Uuid>>,
    pub recurrence: Option<Option<String>>,
    pub recurrence_next_id: Option<Option<Uuid>>,
    pub rejection_reason: Option<Option<String>>,
    pub rejected_at: Option<Option<OffsetDateTime>>,
}

impl TaskChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.status.is_none()
            && self.priority.is_none()
            && self.due_date.is_none()
            && self.details.is_none()
            && self.project_id.is_none()
            && self.zone_id.is_none()
            && self.recurrence.is_none()
            && self.recurrence_next_id.is_none()
            && self.rejection_reason.is_none()
            && self.rejected_at.is_none()
    }
}

/// The subtasks kept in a task's `details`, in order (an entry that does not read as a
/// subtask, which only a direct database write could leave, is skipped).
pub fn subtasks_of(details: &Value) -> Vec<Subtask> {
    details
        .get(SUBTASKS_KEY)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| serde_json::from_value(item.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// `details` with the subtasks replaced by `subtasks` (removed when empty).
pub fn with_subtasks(details: &Value, subtasks: &[Subtask]) -> Result<Value, AppError> {
    let mut map = details.as_object().cloned().unwrap_or_default();
    if subtasks.is_empty() {
        map.remove(SUBTASKS_KEY);
    } else {
        map.insert(
            SUBTASKS_KEY.to_owned(),
            serde_json::to_value(subtasks).map_err(AppError::internal)?,
        );
    }
    Ok(Value::Object(map))
}

/// Client-supplied details with the server's `subtasks` key taken from `current`.
pub fn client_details(client: Map<String, Value>, current: &Value) -> Result<Value, AppError> {
    let mut client = client;
    client.remove(SUBTASKS_KEY);
    with_subtasks(&Value::Object(client), &subtasks_of(current))
}

impl TaskRow {
    /// The API's task with its tags and contacts.
    pub fn into_task(
        self,
        tags: Vec<Tag>,
        contact_ids: Vec<ContactId>,
    ) -> Result<TaskView, AppError> {
        let status = TaskStatus::parse(&self.status)
            .ok_or_else(|| AppError::internal(format!("tasks.status holds {:?}", self.status)))?;
        let priority = TaskPriority::parse(&self.priority).ok_or_else(|| {
            AppError::internal(format!("tasks.priority holds {:?}", self.priority))
        })?;
        let subtasks = subtasks_of(&self.details);
        let mut details = self.details;
        if let Some(map) = details.as_object_mut() {
            map.remove(SUBTASKS_KEY);
        }
        Ok(TaskView {
            id: self.id.into(),
            user_id: self.user_id.into(),
            project_id: self.project_id.map(Into::into),
            zone_id: self.zone_id,
            name: self.name,
            status,
            priority,
            due_date: self.due_date,
            details,
            subtasks,
            completed_at: self.completed_at,
            recurrence: self.recurrence,
            rejection_reason: self.rejection_reason,
            rejected_at: self.rejected_at,
            tags,
            contact_ids,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
