//! Productivity: zones, projects, tasks, inbox items, goals, daily pulse logs and habits.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::ymd;
use crate::{ProjectId, TaskId, UserId};

string_enum! {
    /// Lifecycle of a project.
    ProjectStatus {
        /// Being worked on.
        Active => "active",
        /// Paused.
        OnHold => "on_hold",
        /// Finished.
        Completed => "completed",
        /// Put away.
        Archived => "archived",
    }
}

string_enum! {
    /// Lifecycle of a task.
    TaskStatus {
        /// Not started.
        Todo => "todo",
        /// Started.
        InProgress => "in_progress",
        /// Finished (`completedAt` is set).
        Done => "done",
        /// Dropped (also: a rejected suggestion).
        Canceled => "canceled",
        /// Suggested (for instance by inbox processing), waiting to be approved or rejected.
        PendingApproval => "pending_approval",
    }
}

string_enum! {
    /// Priority of a task.
    TaskPriority {
        /// Low.
        Low => "low",
        /// Medium.
        Medium => "medium",
        /// High.
        High => "high",
    }
}

string_enum! {
    /// Processing state of an inbox item.
    InboxItemStatus {
        /// Not looked at yet.
        Unprocessed => "unprocessed",
        /// Turned into something (for instance a task).
        Processed => "processed",
        /// Put away.
        Archived => "archived",
    }
}

string_enum! {
    /// Whose goal and of what kind.
    GoalType {
        /// The practitioner's business goal.
        PractitionerBusiness => "practitioner_business",
        /// The practitioner's personal goal.
        PractitionerPersonal => "practitioner_personal",
        /// A client's wellness goal.
        ClientWellness => "client_wellness",
    }
}

string_enum! {
    /// Progress of a goal.
    GoalStatus {
        /// Progressing as planned.
        OnTrack => "on_track",
        /// Falling behind.
        AtRisk => "at_risk",
        /// Reached.
        Achieved => "achieved",
        /// Given up.
        Abandoned => "abandoned",
    }
}

string_enum! {
    /// How a habit is measured.
    HabitType {
        /// Done or not.
        Boolean => "boolean",
        /// A count.
        Count => "count",
        /// Minutes.
        Minutes => "minutes",
        /// Hours.
        Hours => "hours",
    }
}

string_enum! {
    /// How often a habit's target applies.
    HabitFrequency {
        /// Every day.
        Daily => "daily",
        /// Every week.
        Weekly => "weekly",
        /// Every month.
        Monthly => "monthly",
    }
}

/// A life zone (global reference data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Zone {
    /// Fixed id (UUIDv5 of `zone:<name>`).
    pub id: Uuid,
    /// Unique name.
    pub name: String,
    /// Hex colour.
    pub color: Option<String>,
    /// Icon name.
    pub icon_name: Option<String>,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Project {
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
    /// Free-form details.
    pub details: serde_json::Value,
    /// Life zone.
    pub zone_id: Option<Uuid>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

/// A task (subtasks live in `details.subtasks`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Id.
    pub id: TaskId,
    /// Owner.
    pub user_id: UserId,
    /// Project it belongs to.
    pub project_id: Option<ProjectId>,
    /// Life zone.
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
    /// Free-form details.
    pub details: serde_json::Value,
    /// When it was done (set exactly when the status is `done`).
    #[serde(with = "crate::timestamp::option")]
    pub completed_at: Option<OffsetDateTime>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

/// A quick capture waiting to be processed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxItem {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// Captured text.
    pub raw_text: String,
    /// Processing state.
    pub status: InboxItemStatus,
    /// When it was processed.
    #[serde(with = "crate::timestamp::option")]
    pub processed_at: Option<OffsetDateTime>,
    /// Task created from it.
    pub created_task_id: Option<TaskId>,
    /// Queue and AI processing state.
    pub details: serde_json::Value,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

/// The practitioner's daily check-in (one per day).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DailyPulseLog {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// Day logged.
    #[serde(with = "ymd")]
    #[schema(value_type = String, format = Date)]
    pub log_date: Date,
    /// Check-in answers.
    pub details: serde_json::Value,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn enums_round_trip() {
        assert_enums_round_trip!(
            ProjectStatus,
            TaskStatus,
            TaskPriority,
            InboxItemStatus,
            GoalType,
            GoalStatus,
            HabitType,
            HabitFrequency,
        );
    }

    #[test]
    fn dates_serialise_as_ymd() {
        let log = DailyPulseLog {
            id: Uuid::nil(),
            user_id: UserId(Uuid::nil()),
            log_date: date!(2026 - 01 - 05),
            details: serde_json::json!({}),
            created_at: datetime!(2026-01-05 08:00 UTC),
        };
        let json = serde_json::to_value(&log).unwrap();
        assert_eq!(json["logDate"], "2026-01-05");
        assert_eq!(json["createdAt"], "2026-01-05T08:00:00Z");
        assert_eq!(serde_json::from_value::<DailyPulseLog>(json).unwrap(), log);
    }
}
