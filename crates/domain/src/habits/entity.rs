//! What the habit routes answer.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::entities::productivity::{HabitFrequency, HabitType};
use crate::entities::ymd;
use crate::{HabitCompletionId, HabitId, UserId};

string_enum! {
    /// Direction of a habit's completion rate: the newer half of the window against the
    /// older half.
    HabitTrend {
        /// Up by more than ten percentage points.
        Improving => "improving",
        /// Within ten points.
        Stable => "stable",
        /// Down by more than ten points.
        Declining => "declining",
        /// The window is shorter than 14 days.
        InsufficientData => "insufficient_data",
    }
}

/// A habit to track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Habit {
    /// Id.
    pub id: HabitId,
    /// Owner.
    pub user_id: UserId,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// How it is measured.
    pub habit_type: HabitType,
    /// Target amount per period (positive).
    pub target_value: Option<i32>,
    /// Unit of the target.
    pub target_unit: Option<String>,
    /// How often the target applies: streaks count days, weeks (from Monday) or months.
    pub target_frequency: HabitFrequency,
    /// Hex colour.
    pub color: Option<String>,
    /// Icon name.
    pub icon_name: Option<String>,
    /// Still tracked.
    pub is_active: bool,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

/// One day's completion of a habit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HabitCompletion {
    /// Id.
    pub id: HabitCompletionId,
    /// Owner.
    pub user_id: UserId,
    /// The habit.
    pub habit_id: HabitId,
    /// The user's local day it was done.
    #[serde(with = "ymd")]
    #[schema(value_type = String, format = Date)]
    pub completed_date: Date,
    /// Amount done (count, minutes and hours habits; `null` for yes/no habits).
    pub value_completed: Option<i32>,
    /// Note.
    pub notes: Option<String>,
    /// Recorded.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// A run length and the day a run first reached it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Milestone {
    /// Run length in periods (days for a daily habit).
    pub days: u32,
    /// The day a run first reached it; `null` until then.
    #[serde(with = "ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub achieved_at: Option<Date>,
}

/// A habit's streak in the user's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HabitStreak {
    /// Consecutive done periods up to now (the current period may still be open).
    pub current_streak: u32,
    /// Longest run ever.
    pub longest_streak: u32,
    /// Latest completion up to today.
    #[serde(with = "ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub last_completed_date: Option<Date>,
    /// Done today (the user's local day).
    pub is_active_today: bool,
    /// Run lengths 3, 7, 14, 21, 30, 60, 90, 180 and 365.
    pub milestones: Vec<Milestone>,
}

/// `GET /omni-momentum/habits/{id}/streak`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HabitStreakReport {
    /// The habit.
    pub habit_id: HabitId,
    /// The user's local day the streak is computed for.
    #[serde(with = "ymd")]
    #[schema(value_type = String, format = Date)]
    pub today: Date,
    /// The streak.
    #[serde(flatten)]
    pub streak: HabitStreak,
}

/// Figures of one habit over the analytics window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HabitStats {
    /// Days done in the window.
    pub total_completions: u32,
    /// Share of the window's periods (days, weeks or months) done, 0..=1.
    pub completion_rate: f64,
    /// Mean value of the window's completions that carry one.
    pub average_value: Option<f64>,
    /// Current streak (as in the streak route).
    pub current_streak: u32,
    /// Longest streak ever.
    pub longest_streak: u32,
    /// Latest completion up to today.
    #[serde(with = "ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub last_completed_date: Option<Date>,
    /// Newer half of the window against the older half.
    pub trend: HabitTrend,
}

/// One day of the heatmap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HeatmapDay {
    /// The day.
    #[serde(with = "ymd")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// The value done (1 for a yes/no completion, 0 when not done).
    pub value: f64,
    /// Done that day.
    pub completed: bool,
}

/// Completion rate of one day of the week over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WeekdayRate {
    /// 0 = Sunday .. 6 = Saturday.
    pub day_of_week: u8,
    /// Share of those days done, 0..=1.
    pub completion_rate: f64,
}

/// `GET /omni-momentum/habits/{id}/analytics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HabitAnalytics {
    /// The habit.
    pub habit_id: HabitId,
    /// First day of the window (not before the habit started).
    #[serde(with = "ymd")]
    #[schema(value_type = String, format = Date)]
    pub start_date: Date,
    /// Last day of the window: the user's today.
    #[serde(with = "ymd")]
    #[schema(value_type = String, format = Date)]
    pub end_date: Date,
    /// Figures.
    pub stats: HabitStats,
    /// One cell per day of the window, oldest first.
    pub heatmap: Vec<HeatmapDay>,
    /// Sunday (0) to Saturday (6).
    pub weekly_pattern: Vec<WeekdayRate>,
}

/// Relative changes of the number of completions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SummaryTrends {
    /// Last 7 days against the 7 before (`0.5` = half as many again; from none: 1).
    pub week_over_week: f64,
    /// Last 30 days against the 30 before.
    pub month_over_month: f64,
}

/// `GET /omni-momentum/habits/analytics`: across the user's habits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HabitsSummary {
    /// All habits.
    pub total_habits: u32,
    /// Active habits (the figures below count only these).
    pub active_habits: u32,
    /// Active habits done today.
    pub completed_today: u32,
    /// Days done over days tracked in the last 30 days (from each habit's start), 0..=1.
    pub completion_rate: f64,
    /// Sum of current streaks.
    pub total_streak_days: u32,
    /// Longest current streak.
    pub longest_active_streak: u32,
    /// Changes in the number of completions.
    pub trends: SummaryTrends,
}
