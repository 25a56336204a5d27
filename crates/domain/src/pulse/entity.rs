//! What the pulse routes answer.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::entities::ymd;
use crate::{PulseLogId, UserId};

string_enum! {
    /// Window of the pulse analytics, ending today.
    PulsePeriod {
        /// The last 7 days.
        Week => "week",
        /// The last 30 days.
        Month => "month",
        /// The last 90 days.
        Quarter => "quarter",
    }
}

string_enum! {
    /// Direction of a metric: the newer half of the window against the older half.
    PulseTrend {
        /// Up by more than 0.25 points.
        Up => "up",
        /// Down by more than 0.25 points.
        Down => "down",
        /// Within 0.25 points, or too few entries to say.
        Stable => "stable",
    }
}

string_enum! {
    /// Strength of a correlation.
    Significance {
        /// |r| ≥ 0.7.
        Strong => "strong",
        /// |r| ≥ 0.4.
        Moderate => "moderate",
        /// |r| ≥ 0.2.
        Weak => "weak",
        /// Smaller, or fewer than 3 days with both values.
        None => "none",
    }
}

/// A day's check-in answers as stored in `details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseDetails {
    /// Time available or well spent, 1..=5.
    pub time: f64,
    /// Energy, 1..=5.
    pub energy: f64,
    /// Mood, 1..=5.
    pub mood: f64,
    /// Sleep quality, 1..=5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sleep: Option<f64>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Tasks finished that day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks_completed: Option<u32>,
    /// Clients engaged that day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts_engaged: Option<u32>,
    /// Habits done that day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub habits_completed: Option<u32>,
}

/// One day's check-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseLog {
    /// Id.
    pub id: PulseLogId,
    /// Owner.
    pub user_id: UserId,
    /// The user's local day.
    #[serde(with = "ymd")]
    #[schema(value_type = String, format = Date)]
    pub log_date: Date,
    /// Answers.
    pub details: PulseDetails,
    /// Recorded.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// Means over the window's entries (`null` without any value).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseAverages {
    /// Time.
    pub time: Option<f64>,
    /// Energy.
    pub energy: Option<f64>,
    /// Mood.
    pub mood: Option<f64>,
    /// Sleep.
    pub sleep: Option<f64>,
}

/// Direction of each rated metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseTrends {
    /// Time.
    pub time: PulseTrend,
    /// Energy.
    pub energy: PulseTrend,
    /// Mood.
    pub mood: PulseTrend,
    /// Sleep.
    pub sleep: PulseTrend,
}

/// A day and its overall score (mean of its ratings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseDay {
    /// The day.
    #[serde(with = "ymd")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// Mean of time, energy, mood and (when given) sleep.
    pub overall_score: f64,
}

/// Figures over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseSummary {
    /// Entries in the window.
    pub total_logs: u32,
    /// Entries over days in the window, 0..=1.
    pub completion_rate: f64,
    /// Means.
    pub averages: PulseAverages,
    /// Directions.
    pub trends: PulseTrends,
    /// Highest overall score (the earliest on a tie); `null` without entries.
    pub best_day: Option<PulseDay>,
    /// Lowest overall score (the earliest on a tie).
    pub worst_day: Option<PulseDay>,
}

/// Pearson correlation of two fields over the days holding both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseCorrelation {
    /// First field (`energy`, `mood`, `sleep` or `time`).
    pub metric: String,
    /// Second field (a rating or `tasksCompleted`, `contactsEngaged`, `habitsCompleted`).
    pub other: String,
    /// r in -1..=1; `null` with fewer than 3 days or a constant field.
    pub correlation: Option<f64>,
    /// Days holding both fields.
    pub sample_size: u32,
    /// How strong.
    pub significance: Significance,
}

/// One day of the calendar heatmap; the values are `null` on a day without an entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseHeatmapDay {
    /// The day.
    #[serde(with = "ymd")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// Mean of the ratings.
    pub overall_score: Option<f64>,
    /// Time.
    pub time: Option<f64>,
    /// Energy.
    pub energy: Option<f64>,
    /// Mood.
    pub mood: Option<f64>,
    /// Sleep.
    pub sleep: Option<f64>,
}

/// `GET /omni-momentum/pulse/analytics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseAnalytics {
    /// The window.
    pub period: PulsePeriod,
    /// First day of the window.
    #[serde(with = "ymd")]
    #[schema(value_type = String, format = Date)]
    pub start_date: Date,
    /// Last day: the user's today.
    #[serde(with = "ymd")]
    #[schema(value_type = String, format = Date)]
    pub end_date: Date,
    /// Figures.
    pub summary: PulseSummary,
    /// Each of energy, mood, sleep and time against every field after it.
    pub correlations: Vec<PulseCorrelation>,
    /// One cell per day of the window, oldest first.
    pub heatmap: Vec<PulseHeatmapDay>,
}
