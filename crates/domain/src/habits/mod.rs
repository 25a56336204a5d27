//! Habits: what the `/omni-momentum/habits` routes accept and answer, and the pure maths
//! of streaks ([`streak`]), per-habit analytics ([`analytics`]) and the summary across
//! habits ([`summary()`]), all over local dates in the user's time zone.

mod entity;
mod input;
mod maths;
mod query;
mod summary;

#[cfg(test)]
mod tests;

pub use crate::entities::productivity::{HabitFrequency, HabitType};
pub use entity::{
    Habit, HabitAnalytics, HabitCompletion, HabitStats, HabitStreak, HabitStreakReport, HabitTrend,
    HabitsSummary, HeatmapDay, Milestone, SummaryTrends, WeekdayRate,
};
pub use input::{CreateHabit, CreateHabitCompletion, MAX_HABIT_VALUE, UpdateHabit};
pub use maths::{
    Analytics, Done, MILESTONES, MIN_TREND_DAYS, TREND_THRESHOLD, analytics, period_index, streak,
    window_start,
};
pub use query::{CompletionListQuery, HabitAnalyticsQuery, HabitListQuery};
pub use summary::{HabitHistory, SUMMARY_DAYS, SUMMARY_TAIL_DAYS, summary, tail_suffices};
