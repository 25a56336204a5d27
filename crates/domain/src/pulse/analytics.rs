//! Pulse analytics over a window of days ending today: pure functions, linear in the
//! number of entries plus the window's length.

use time::{Date, Duration};

use super::entity::{
    PulseAnalytics, PulseAverages, PulseCorrelation, PulseDay, PulseDetails, PulseHeatmapDay,
    PulsePeriod, PulseSummary, PulseTrend, PulseTrends, Significance,
};

/// A change of a metric's mean between the window's halves larger than this is a trend.
pub const SIGNIFICANT_CHANGE: f64 = 0.25;

/// One day's entry as the maths sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The local day.
    pub date: Date,
    /// The answers.
    pub details: PulseDetails,
}

/// A field of an entry that analytics compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Rating.
    Energy,
    /// Rating.
    Mood,
    /// Rating (optional).
    Sleep,
    /// Rating.
    Time,
    /// Count (optional).
    TasksCompleted,
    /// Count (optional).
    ContactsEngaged,
    /// Count (optional).
    HabitsCompleted,
}

/// Every compared field, ratings first: each of the first four is correlated with every
/// field after it.
pub const METRICS: [Metric; 7] = [
    Metric::Energy,
    Metric::Mood,
    Metric::Sleep,
    Metric::Time,
    Metric::TasksCompleted,
    Metric::ContactsEngaged,
    Metric::HabitsCompleted,
];

impl Metric {
    /// The field's JSON name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Energy => "energy",
            Self::Mood => "mood",
            Self::Sleep => "sleep",
            Self::Time => "time",
            Self::TasksCompleted => "tasksCompleted",
            Self::ContactsEngaged => "contactsEngaged",
            Self::HabitsCompleted => "habitsCompleted",
        }
    }

    /// The field's value in `d`, if it has one.
    pub fn of(self, d: &PulseDetails) -> Option<f64> {
        match self {
            Self::Energy => Some(d.energy),
            Self::Mood => Some(d.mood),
            Self::Sleep => d.sleep,
            Self::Time => Some(d.time),
            Self::TasksCompleted => d.tasks_completed.map(f64::from),
            Self::ContactsEngaged => d.contacts_engaged.map(f64::from),
            Self::HabitsCompleted => d.habits_completed.map(f64::from),
        }
    }
}

/// The window of `period` ending `today`: its first day.
pub fn window(period: PulsePeriod, today: Date) -> Date {
    let days = match period {
        PulsePeriod::Week => 7,
        PulsePeriod::Month => 30,
        PulsePeriod::Quarter => 90,
    };
    today - Duration::days(days - 1)
}

/// Mean of time, energy, mood and (when given) sleep.
pub fn overall_score(d: &PulseDetails) -> f64 {
    match d.sleep {
        Some(sleep) => (d.time + d.energy + d.mood + sleep) / 4.0,
        None => (d.time + d.energy + d.mood) / 3.0,
    }
}

/// Pearson's r of paired samples; `None` with fewer than 3 pairs or a constant side.
pub fn pearson(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 3 {
        return None;
    }
    let n = pairs.len() as f64;
    let (mx, my) = pairs
        .iter()
        .fold((0.0, 0.0), |(x, y), (a, b)| (x + a / n, y + b / n));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    if sxx <= f64::EPSILON || syy <= f64::EPSILON {
        return None;
    }
    Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

fn significance(r: Option<f64>) -> Significance {
    match r.map(f64::abs) {
        Some(a) if a >= 0.7 => Significance::Strong,
        Some(a) if a >= 0.4 => Significance::Moderate,
        Some(a) if a >= 0.2 => Significance::Weak,
        _ => Significance::None,
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}

fn trend(older: &[&Entry], newer: &[&Entry], metric: Metric) -> PulseTrend {
    let before = mean(older.iter().filter_map(|e| metric.of(&e.details)));
    let after = mean(newer.iter().filter_map(|e| metric.of(&e.details)));
    match (before, after) {
        (Some(b), Some(a)) if a - b > SIGNIFICANT_CHANGE => PulseTrend::Up,
        (Some(b), Some(a)) if b - a > SIGNIFICANT_CHANGE => PulseTrend::Down,
        _ => PulseTrend::Stable,
    }
}

/// Analytics of `period` ending `today` over `entries` (any order; entries outside the
/// window are ignored; one entry per day is assumed, a repeat of a day counts once in
/// the heatmap and every time in the means).
pub fn analytics(entries: &[Entry], period: PulsePeriod, today: Date) -> PulseAnalytics {
    let start = window(period, today);
    let mut inside: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.date >= start && e.date <= today)
        .collect();
    inside.sort_by_key(|e| e.date);
    let span = usize::try_from((today - start).whole_days() + 1).unwrap_or(1);

    let mut heatmap: Vec<PulseHeatmapDay> = (0..span)
        .map(|offset| PulseHeatmapDay {
            date: start + Duration::days(i64::try_from(offset).unwrap_or(0)),
            overall_score: None,
            time: None,
            energy: None,
            mood: None,
            sleep: None,
        })
        .collect();
    for e in &inside {
        let index = usize::try_from((e.date - start).whole_days()).unwrap_or(0);
        if let Some(cell) = heatmap.get_mut(index)
            && cell.overall_score.is_none()
        {
            cell.overall_score = Some(overall_score(&e.details));
            cell.time = Some(e.details.time);
            cell.energy = Some(e.details.energy);
            cell.mood = Some(e.details.mood);
            cell.sleep = e.details.sleep;
        }
    }

    let scored = |pick: fn(f64, f64) -> bool| {
        inside.iter().fold(None::<PulseDay>, |best, e| {
            let score = overall_score(&e.details);
            match best {
                Some(b) if !pick(score, b.overall_score) => Some(b),
                _ => Some(PulseDay {
                    date: e.date,
                    overall_score: score,
                }),
            }
        })
    };
    let middle = start + Duration::days(i64::try_from(span / 2).unwrap_or(0));
    let split = inside.partition_point(|e| e.date < middle);
    let (older, newer) = inside.split_at(split);
    let average = |m: Metric| mean(inside.iter().filter_map(|e| m.of(&e.details)));
    let summary = PulseSummary {
        total_logs: u32::try_from(inside.len()).unwrap_or(u32::MAX),
        completion_rate: (inside.len() as f64 / span as f64).min(1.0),
        averages: PulseAverages {
            time: average(Metric::Time),
            energy: average(Metric::Energy),
            mood: average(Metric::Mood),
            sleep: average(Metric::Sleep),
        },
        trends: PulseTrends {
            time: trend(older, newer, Metric::Time),
            energy: trend(older, newer, Metric::Energy),
            mood: trend(older, newer, Metric::Mood),
            sleep: trend(older, newer, Metric::Sleep),
        },
        best_day: scored(|score, best| score > best),
        worst_day: scored(|score, worst| score < worst),
    };

    let mut correlations = Vec::new();
    for (i, metric) in METRICS.iter().enumerate().take(4) {
        for other in &METRICS[i + 1..] {
            let pairs: Vec<(f64, f64)> = inside
                .iter()
                .filter_map(|e| Some((metric.of(&e.details)?, other.of(&e.details)?)))
                .collect();
            let r = pearson(&pairs);
            correlations.push(PulseCorrelation {
                metric: metric.name().to_owned(),
                other: other.name().to_owned(),
                correlation: r,
                sample_size: u32::try_from(pairs.len()).unwrap_or(u32::MAX),
                significance: significance(r),
            });
        }
    }

    PulseAnalytics {
        period,
        start_date: start,
        end_date: today,
        summary,
        correlations,
        heatmap,
    }
}
