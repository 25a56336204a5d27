//! Row types of habits and their completions: each field is the column of the same name.

#![allow(
    missing_docs,
    reason = "row fields are the table's columns one to one; the migrations document them"
)]

use diesel::prelude::*;
use omnicrm_domain::habits::{
    CreateHabit, Habit, HabitCompletion, HabitFrequency, HabitType, UpdateHabit,
};
use omnicrm_domain::{HabitCompletionId, HabitId, UserId};
use omnicrm_problem::AppError;
use time::{Date, OffsetDateTime};

use crate::schema::{habit_completions, habits};

/// Colour of a habit created without one (the original system's default).
const DEFAULT_COLOR: &str = "#10B981";
/// Icon of a habit created without one.
const DEFAULT_ICON: &str = "check-circle";

/// A `habits` row as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = habits, check_for_backend(diesel::pg::Pg))]
pub struct HabitRow {
    pub user_id: UserId,
    pub id: HabitId,
    pub name: String,
    pub description: Option<String>,
    pub habit_type: String,
    pub target_value: Option<i32>,
    pub target_unit: Option<String>,
    pub target_frequency: String,
    pub color: Option<String>,
    pub icon_name: Option<String>,
    pub is_active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Values for `INSERT INTO habits`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = habits)]
pub struct NewHabitRow {
    pub user_id: UserId,
    pub id: HabitId,
    pub name: String,
    pub description: Option<String>,
    pub habit_type: String,
    pub target_value: Option<i32>,
    pub target_unit: Option<String>,
    pub target_frequency: String,
    pub color: Option<String>,
    pub icon_name: Option<String>,
    pub is_active: bool,
}

/// A partial update of a habit: `None` leaves a column alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = habits)]
pub struct HabitChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub habit_type: Option<String>,
    pub target_value: Option<Option<i32>>,
    pub target_unit: Option<Option<String>>,
    pub target_frequency: Option<String>,
    pub color: Option<Option<String>>,
    pub icon_name: Option<Option<String>>,
    pub is_active: Option<bool>,
}

/// A `habit_completions` row as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = habit_completions, check_for_backend(diesel::pg::Pg))]
pub struct CompletionRow {
    pub user_id: UserId,
    pub id: HabitCompletionId,
    pub habit_id: HabitId,
    pub completed_date: Date,
    pub value_completed: Option<i32>,
    pub notes: Option<String>,
    pub created_at: OffsetDateTime,
}

/// Values for `INSERT INTO habit_completions`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = habit_completions)]
pub struct NewCompletionRow {
    pub user_id: UserId,
    pub id: HabitCompletionId,
    pub habit_id: HabitId,
    pub completed_date: Date,
    pub value_completed: Option<i32>,
    pub notes: Option<String>,
}

impl NewHabitRow {
    /// Row for a validated create body (the name is stored trimmed).
    pub fn from_input(user: UserId, id: HabitId, input: CreateHabit) -> Self {
        Self {
            user_id: user,
            id,
            name: input.name.trim().to_owned(),
            description: input.description,
            habit_type: input
                .habit_type
                .unwrap_or(HabitType::Boolean)
                .as_str()
                .to_owned(),
            target_value: input.target_value,
            target_unit: input.target_unit,
            target_frequency: input
                .target_frequency
                .unwrap_or(HabitFrequency::Daily)
                .as_str()
                .to_owned(),
            color: Some(input.color.unwrap_or_else(|| DEFAULT_COLOR.to_owned())),
            icon_name: Some(input.icon_name.unwrap_or_else(|| DEFAULT_ICON.to_owned())),
            is_active: input.is_active.unwrap_or(true),
        }
    }
}

impl HabitChanges {
    /// Changes for a validated PATCH body (the name is stored trimmed).
    pub fn from_input(input: UpdateHabit) -> Self {
        Self {
            name: input.name.flatten().map(|n| n.trim().to_owned()),
            description: input.description,
            habit_type: input.habit_type.flatten().map(|t| t.as_str().to_owned()),
            target_value: input.target_value,
            target_unit: input.target_unit,
            target_frequency: input
                .target_frequency
                .flatten()
                .map(|f| f.as_str().to_owned()),
            color: input.color,
            icon_name: input.icon_name,
            is_active: input.is_active.flatten(),
        }
    }

    /// Whether nothing would change (the update then only reads).
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.habit_type.is_none()
            && self.target_value.is_none()
            && self.target_unit.is_none()
            && self.target_frequency.is_none()
            && self.color.is_none()
            && self.icon_name.is_none()
            && self.is_active.is_none()
    }
}

impl HabitRow {
    /// The stored type.
    pub fn kind(&self) -> Result<HabitType, AppError> {
        HabitType::parse(&self.habit_type).ok_or_else(|| {
            AppError::internal(format!(
                "habits.habit_type holds unknown value {:?}",
                self.habit_type
            ))
        })
    }

    /// The stored frequency.
    pub fn frequency(&self) -> Result<HabitFrequency, AppError> {
        HabitFrequency::parse(&self.target_frequency).ok_or_else(|| {
            AppError::internal(format!(
                "habits.target_frequency holds unknown value {:?}",
                self.target_frequency
            ))
        })
    }
}

impl TryFrom<HabitRow> for Habit {
    type Error = AppError;

    fn try_from(row: HabitRow) -> Result<Self, AppError> {
        Ok(Habit {
            habit_type: row.kind()?,
            target_frequency: row.frequency()?,
            id: row.id,
            user_id: row.user_id,
            name: row.name,
            description: row.description,
            target_value: row.target_value,
            target_unit: row.target_unit,
            color: row.color,
            icon_name: row.icon_name,
            is_active: row.is_active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl From<CompletionRow> for HabitCompletion {
    fn from(row: CompletionRow) -> Self {
        HabitCompletion {
            id: row.id,
            user_id: row.user_id,
            habit_id: row.habit_id,
            completed_date: row.completed_date,
            value_completed: row.value_completed,
            notes: row.notes,
            created_at: row.created_at,
        }
    }
}
