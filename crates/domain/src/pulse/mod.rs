//! Daily pulse: the practitioner's daily check-in (one per local day) and its analytics
//! (averages, trends, best and worst day, correlations, a calendar heatmap) as pure
//! functions ([`analytics`]).

mod analytics;
mod entity;
mod input;

#[cfg(test)]
mod tests;

pub use analytics::{
    Entry, METRICS, Metric, SIGNIFICANT_CHANGE, analytics, overall_score, pearson, window,
};
pub use entity::{
    PulseAnalytics, PulseAverages, PulseCorrelation, PulseDay, PulseDetails, PulseHeatmapDay,
    PulseLog, PulsePeriod, PulseSummary, PulseTrend, PulseTrends, Significance,
};
pub use input::{
    CreatePulseLog, MAX_PULSE_COUNT, PulseAnalyticsQuery, PulseDetailsInput, PulseDetailsPatch,
    PulseListQuery, UpdatePulseLog,
};
