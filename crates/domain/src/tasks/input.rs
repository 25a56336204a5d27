//! Request bodies of the project and task routes.

use garde::Validate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::Date;
use uuid::Uuid;

use super::recurrence::Recurrence;
use crate::entities::{ProjectStatus, TaskPriority, TaskStatus, ymd};
use crate::patch::{Patch, nullable};
use crate::validate::{not_blank, not_blank_opt, not_null};
use crate::{ContactId, ProjectId, TagId};

/// Most tags or contacts one task can be linked to in one request.
pub const MAX_TASK_LINKS: usize = 50;
/// Longest task or project name.
pub const MAX_NAME_CHARS: usize = 500;
/// Most subtasks on one task.
pub const MAX_SUBTASKS: usize = 100;
/// The key of `details` the server keeps for the subtasks.
pub const SUBTASKS_KEY: &str = "subtasks";

/// Body of `POST /omni-momentum/projects`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateProject {
    /// Name.
    #[garde(length(chars, min = 1, max = MAX_NAME_CHARS), custom(not_blank))]
    #[schema(max_length = 500)]
    pub name: String,
    /// Status; `active` when absent.
    #[garde(skip)]
    #[serde(default)]
    pub status: Option<ProjectStatus>,
    /// Due date.
    #[garde(skip)]
    #[serde(default, with = "ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Date>,
    /// Free-form details.
    #[garde(skip)]
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub details: Option<Map<String, Value>>,
    /// Zone (see `GET /omni-momentum/zones`).
    #[garde(skip)]
    #[serde(default)]
    pub zone_id: Option<Uuid>,
}

/// Body of `PATCH /omni-momentum/projects/{id}`: absent = unchanged, `null` clears.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateProject {
    /// Name.
    #[garde(
        length(chars, min = 1, max = MAX_NAME_CHARS),
        custom(not_null),
        custom(not_blank_patch)
    )]
    #[schema(max_length = 500)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    /// Status.
    #[garde(custom(not_null))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ProjectStatus>)]
    pub status: Patch<ProjectStatus>,
    /// Due date, or `null` to clear it.
    #[garde(skip)]
    #[serde(default, deserialize_with = "nullable_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Patch<Date>,
    /// Replaces the details (`null`: `{}`).
    #[garde(skip)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Object>)]
    pub details: Patch<Map<String, Value>>,
    /// Zone, or `null` for none.
    #[garde(skip)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub zone_id: Patch<Uuid>,
}

/// Body of `POST /omni-momentum/tasks`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateTask {
    /// Name.
    #[garde(length(chars, min = 1, max = MAX_NAME_CHARS), custom(not_blank))]
    #[schema(max_length = 500)]
    pub name: String,
    /// Status; `todo` when absent. `pending_approval` files it as a suggestion.
    #[garde(skip)]
    #[serde(default)]
    pub status: Option<TaskStatus>,
    /// Priority; `medium` when absent.
    #[garde(skip)]
    #[serde(default)]
    pub priority: Option<TaskPriority>,
    /// Due date.
    #[garde(skip)]
    #[serde(default, with = "ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Date>,
    /// Free-form details (a `subtasks` key is ignored: use `/subtasks`).
    #[garde(skip)]
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub details: Option<Map<String, Value>>,
    /// One of your projects.
    #[garde(skip)]
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub project_id: Option<ProjectId>,
    /// Zone.
    #[garde(skip)]
    #[serde(default)]
    pub zone_id: Option<Uuid>,
    /// Recurrence rule (`FREQ=DAILY`, `FREQ=WEEKLY;BYDAY=MO,WE`, `FREQ=MONTHLY;BYMONTHDAY=15`,
    /// optional `INTERVAL=n`).
    #[garde(length(chars, min = 1, max = 200), custom(valid_rule_opt))]
    #[serde(default)]
    pub recurrence: Option<String>,
    /// Your tags to put on the task.
    #[garde(length(max = MAX_TASK_LINKS))]
    #[schema(max_items = 50)]
    #[serde(default)]
    #[schema(value_type = Vec<Uuid>)]
    pub tag_ids: Vec<TagId>,
    /// Your contacts the task is about.
    #[garde(length(max = MAX_TASK_LINKS))]
    #[schema(max_items = 50)]
    #[serde(default)]
    #[schema(value_type = Vec<Uuid>)]
    pub contact_ids: Vec<ContactId>,
}

/// Body of `PATCH /omni-momentum/tasks/{id}`: absent = unchanged, `null` clears;
/// `tagIds` / `contactIds` replace the whole set. Moving to `done` sets `completedAt`,
/// moving away clears it. A suggestion awaiting approval leaves that state only through
/// `approve` or `reject`, and no task enters it through PATCH.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateTask {
    /// Name.
    #[garde(
        length(chars, min = 1, max = MAX_NAME_CHARS),
        custom(not_null),
        custom(not_blank_patch)
    )]
    #[schema(max_length = 500)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    /// Status (not `pending_approval`).
    #[garde(custom(not_null), custom(not_pending))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<SettableTaskStatus>)]
    pub status: Patch<TaskStatus>,
    /// Priority.
    #[garde(custom(not_null))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<TaskPriority>)]
    pub priority: Patch<TaskPriority>,
    /// Due date, or `null`.
    #[garde(skip)]
    #[serde(default, deserialize_with = "nullable_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Patch<Date>,
    /// Replaces the details, keeping the subtasks (`null`: only the subtasks stay).
    #[garde(skip)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Object>)]
    pub details: Patch<Map<String, Value>>,
    /// Project, or `null`.
    #[garde(skip)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub project_id: Patch<ProjectId>,
    /// Zone, or `null`.
    #[garde(skip)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub zone_id: Patch<Uuid>,
    /// Recurrence rule, or `null` to stop repeating.
    #[garde(length(chars, min = 1, max = 200), custom(valid_rule_patch))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub recurrence: Patch<String>,
    /// The task's complete new tag set.
    #[garde(length(max = MAX_TASK_LINKS))]
    #[schema(max_items = 50)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<Uuid>>)]
    pub tag_ids: Patch<Vec<TagId>>,
    /// The task's complete new contact set.
    #[garde(length(max = MAX_TASK_LINKS))]
    #[schema(max_items = 50)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<Uuid>>)]
    pub contact_ids: Patch<Vec<ContactId>>,
}

/// Body of `POST /omni-momentum/tasks/{id}/approve`: optional edits applied with the
/// approval (the task becomes `todo`).
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApproveTask {
    /// New name.
    #[garde(length(chars, min = 1, max = MAX_NAME_CHARS), custom(not_blank_opt))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub name: Option<String>,
    /// New priority.
    #[garde(skip)]
    #[serde(default)]
    pub priority: Option<TaskPriority>,
    /// New due date.
    #[garde(skip)]
    #[serde(default, with = "ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Date>,
    /// One of your projects.
    #[garde(skip)]
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub project_id: Option<ProjectId>,
    /// Zone.
    #[garde(skip)]
    #[serde(default)]
    pub zone_id: Option<Uuid>,
}

/// Body of `POST /omni-momentum/tasks/{id}/reject`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RejectTask {
    /// Why the suggestion is wrong (kept on the task).
    #[garde(length(chars, min = 1, max = 2000), custom(not_blank_opt))]
    #[serde(default)]
    pub reason: Option<String>,
}

/// Body of `POST /omni-momentum/tasks/{id}/subtasks`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSubtask {
    /// What to do.
    #[garde(length(chars, min = 1, max = MAX_NAME_CHARS), custom(not_blank))]
    #[schema(max_length = 500)]
    pub title: String,
    /// Expected duration ("15m").
    #[garde(length(chars, min = 1, max = 50))]
    #[serde(default)]
    pub duration: Option<String>,
}

/// Body of `PATCH /omni-momentum/tasks/{id}/subtasks/{subtaskId}`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateSubtask {
    /// New title.
    #[garde(length(chars, min = 1, max = MAX_NAME_CHARS), custom(not_blank_opt))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub title: Option<String>,
    /// Done or not.
    #[garde(skip)]
    #[serde(default)]
    pub completed: Option<bool>,
    /// Expected duration, or `null` to clear it.
    #[garde(length(chars, min = 1, max = 50))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub duration: Patch<String>,
}

/// Body of `POST /omni-momentum/tasks/{id}/subtasks/reorder`: every subtask id once, in
/// the new order.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReorderSubtasks {
    /// The subtask ids in their new order.
    #[garde(length(max = MAX_SUBTASKS))]
    #[schema(max_items = 100)]
    pub ids: Vec<Uuid>,
}

fn not_blank_patch(value: &Patch<String>, ctx: &()) -> garde::Result {
    match value {
        Some(Some(text)) => not_blank(text, ctx),
        _ => Ok(()),
    }
}

/// The statuses a task `PATCH` may set: every task status but `pending_approval`, which
/// only a suggestion enters.
#[allow(
    dead_code,
    reason = "the document's statement of the rule; the validation reads TaskStatus"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettableTaskStatus {
    /// Not started.
    Todo,
    /// Started.
    InProgress,
    /// Finished.
    Done,
    /// Dropped.
    Canceled,
}

fn not_pending(value: &Patch<TaskStatus>, _ctx: &()) -> garde::Result {
    if *value == Some(Some(TaskStatus::PendingApproval)) {
        return Err(garde::Error::new(
            "a task cannot be sent back for approval; create a suggestion instead",
        ));
    }
    Ok(())
}

fn valid_rule_opt(value: &Option<String>, _ctx: &()) -> garde::Result {
    match value {
        Some(rule) => Recurrence::parse(rule).map(drop).map_err(garde::Error::new),
        None => Ok(()),
    }
}

fn valid_rule_patch(value: &Patch<String>, ctx: &()) -> garde::Result {
    match value {
        Some(rule) => valid_rule_opt(rule, ctx),
        None => Ok(()),
    }
}

fn nullable_date<'de, D>(deserializer: D) -> Result<Patch<Date>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    ymd::option::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_patch_may_set_every_status_but_pending_approval_and_the_document_says_so() {
        let settable: Vec<String> = [
            SettableTaskStatus::Todo,
            SettableTaskStatus::InProgress,
            SettableTaskStatus::Done,
            SettableTaskStatus::Canceled,
        ]
        .iter()
        .map(|s| {
            serde_json::to_value(s)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
        let accepted: Vec<String> = TaskStatus::ALL
            .iter()
            .filter(|status| {
                let patch: UpdateTask =
                    serde_json::from_value(json!({ "status": status.as_str() })).unwrap();
                patch.validate().is_ok()
            })
            .map(|status| status.as_str().to_owned())
            .collect();
        assert_eq!(settable, accepted);
    }

    #[test]
    fn task_inputs_refuse_what_the_server_would() {
        let create: CreateTask = serde_json::from_value(json!({
            "name": " ", "recurrence": "FREQ=YEARLY", "tagIds": vec![Uuid::nil(); 51]
        }))
        .unwrap();
        let report = create.validate().unwrap_err();
        let paths: Vec<String> = report.iter().map(|(p, _)| p.to_string()).collect();
        for expected in ["name", "recurrence", "tag_ids"] {
            assert!(paths.contains(&expected.to_owned()), "{paths:?}");
        }
        let update: UpdateTask =
            serde_json::from_value(json!({"status": "pending_approval"})).unwrap();
        assert!(update.validate().is_err());
        let update: UpdateTask =
            serde_json::from_value(json!({"dueDate": null, "recurrence": null})).unwrap();
        assert!(update.validate().is_ok());
        assert_eq!(update.due_date, Some(None));
        assert_eq!(update.recurrence, Some(None));
        assert!(serde_json::from_value::<UpdateTask>(json!({"completedAt": null})).is_err());
    }
}
