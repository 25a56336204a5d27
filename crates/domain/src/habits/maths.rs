//! Streaks and analytics of a habit: pure functions over the local dates of its
//! completions (see [`crate::local_day`] for how an instant becomes a local date).
//!
//! A habit's *period* follows its frequency: a day for a daily habit, a week starting on
//! Monday for a weekly one, a calendar month for a monthly one. A period counts as done
//! when it holds at least one completion. Completions dated after `today` are ignored
//! until their day comes. Every function here is linear in the number of completions
//! plus the length of the window it reports on.

use time::{Date, Duration};

use super::entity::{HabitStats, HabitStreak, HabitTrend, HeatmapDay, Milestone, WeekdayRate};
use crate::entities::productivity::HabitFrequency;

/// Run lengths (in periods) that earn a milestone.
pub const MILESTONES: [u32; 9] = [3, 7, 14, 21, 30, 60, 90, 180, 365];

/// Shortest window (in days) whose halves are compared for a trend.
pub const MIN_TREND_DAYS: i64 = 14;

/// A change of the completion rate between the window's halves larger than this is a
/// trend (0.1 = ten percentage points).
pub const TREND_THRESHOLD: f64 = 0.1;

/// One completion as the maths sees it: its local date and its value, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    /// The local day it was done.
    pub date: Date,
    /// The amount done (count, minutes or hours habits).
    pub value: Option<i32>,
}

/// The index of the period holding `date`: consecutive periods have consecutive indices.
pub fn period_index(date: Date, frequency: HabitFrequency) -> i64 {
    let day = i64::from(date.to_julian_day());
    match frequency {
        HabitFrequency::Daily => day,
        HabitFrequency::Weekly => {
            (day - i64::from(date.weekday().number_days_from_monday())).div_euclid(7)
        }
        HabitFrequency::Monthly => i64::from(date.year()) * 12 + i64::from(u8::from(date.month())),
    }
}

/// The streak of a habit on `today`. `dates` may be in any order and hold repeats.
///
/// * `current_streak`: the run of consecutive done periods ending with the current
///   period, or with the previous one while the current one is not done yet (a daily
///   streak survives until the end of the day after its last completion).
/// * `longest_streak`: the longest run ever (up to `today`).
/// * `is_active_today`: a completion is dated `today`.
/// * `milestones`: every run length of [`MILESTONES`] with the day a run first reached it.
pub fn streak(dates: &[Date], today: Date, frequency: HabitFrequency) -> HabitStreak {
    // (period, first date in it), sorted, one entry per period.
    let mut periods: Vec<(i64, Date)> = dates
        .iter()
        .filter(|d| **d <= today)
        .map(|d| (period_index(*d, frequency), *d))
        .collect();
    periods.sort_unstable();
    periods.dedup_by_key(|(p, _)| *p);

    let mut milestones: Vec<Milestone> = MILESTONES
        .iter()
        .map(|days| Milestone {
            days: *days,
            achieved_at: None,
        })
        .collect();
    let mut longest = 0u32;
    let mut run = 0u32;
    let mut previous: Option<i64> = None;
    for (period, first_date) in &periods {
        run = match previous {
            Some(p) if p + 1 == *period => run.saturating_add(1),
            _ => 1,
        };
        previous = Some(*period);
        longest = longest.max(run);
        if let Some(m) = milestones
            .iter_mut()
            .find(|m| m.days == run && m.achieved_at.is_none())
        {
            m.achieved_at = Some(*first_date);
        }
    }
    let now = period_index(today, frequency);
    let current = match previous {
        Some(last) if last == now || last + 1 == now => run,
        _ => 0,
    };
    let last_completed = dates.iter().filter(|d| **d <= today).max().copied();
    HabitStreak {
        current_streak: current,
        longest_streak: longest,
        last_completed_date: last_completed,
        is_active_today: last_completed == Some(today),
        milestones,
    }
}

/// The first day of the analytics window of `days` days ending `today`, not before the
/// habit started: its creation day or its first completion, whichever is earlier.
pub fn window_start(today: Date, days: u16, started: Date) -> Date {
    let full = today - Duration::days(i64::from(days.max(1)) - 1);
    full.max(started.min(today))
}

/// Everything the analytics of one habit report over the window `start..=today`.
#[derive(Debug, Clone, PartialEq)]
pub struct Analytics {
    /// The figures.
    pub stats: HabitStats,
    /// One cell per day of the window, oldest first.
    pub heatmap: Vec<HeatmapDay>,
    /// Sunday (0) to Saturday (6).
    pub weekly_pattern: Vec<WeekdayRate>,
}

/// Analytics of one habit over `start..=today` (see [`window_start`]); `done` may be in
/// any order, repeats of a day count once (the first one's value).
pub fn analytics(done: &[Done], start: Date, today: Date, frequency: HabitFrequency) -> Analytics {
    let start = start.min(today);
    let span = usize::try_from((today - start).whole_days() + 1).unwrap_or(1);
    let mut cells: Vec<Option<Option<i32>>> = vec![None; span];
    for d in done.iter().filter(|d| d.date >= start && d.date <= today) {
        let index = usize::try_from((d.date - start).whole_days()).unwrap_or(0);
        if let Some(cell) = cells.get_mut(index) {
            cell.get_or_insert(d.value);
        }
    }

    let mut heatmap = Vec::with_capacity(span);
    let mut per_weekday = [(0u32, 0u32); 7];
    let (mut total, mut value_sum, mut value_count) = (0u32, 0i64, 0u32);
    for (offset, cell) in cells.iter().enumerate() {
        let date = start + Duration::days(i64::try_from(offset).unwrap_or(0));
        let slot = &mut per_weekday[usize::from(date.weekday().number_days_from_sunday())];
        slot.1 += 1;
        let completed = cell.is_some();
        if let Some(value) = cell {
            total += 1;
            slot.0 += 1;
            if let Some(v) = value {
                value_sum += i64::from(*v);
                value_count += 1;
            }
        }
        heatmap.push(HeatmapDay {
            date,
            value: match cell {
                Some(Some(v)) => f64::from(*v),
                Some(None) => 1.0,
                None => 0.0,
            },
            completed,
        });
    }
    let weekly_pattern = per_weekday
        .iter()
        .enumerate()
        .map(|(day, (done, seen))| WeekdayRate {
            day_of_week: u8::try_from(day).unwrap_or(0),
            completion_rate: ratio(*done, *seen),
        })
        .collect();

    let dates: Vec<Date> = done.iter().map(|d| d.date).collect();
    let s = streak(&dates, today, frequency);
    let stats = HabitStats {
        total_completions: total,
        completion_rate: period_rate(&cells, start, frequency),
        average_value: (value_count > 0).then(|| value_sum as f64 / f64::from(value_count)),
        current_streak: s.current_streak,
        longest_streak: s.longest_streak,
        last_completed_date: s.last_completed_date,
        trend: trend(&cells, start, frequency),
    };
    Analytics {
        stats,
        heatmap,
        weekly_pattern,
    }
}

/// Share of the window's periods (days, weeks or months it touches) holding a completion.
fn period_rate(cells: &[Option<Option<i32>>], start: Date, frequency: HabitFrequency) -> f64 {
    let (mut done, mut seen) = (0u32, 0u32);
    let mut current: Option<(i64, bool)> = None;
    for (offset, cell) in cells.iter().enumerate() {
        let date = start + Duration::days(i64::try_from(offset).unwrap_or(0));
        let period = period_index(date, frequency);
        match &mut current {
            Some((p, hit)) if *p == period => *hit |= cell.is_some(),
            _ => {
                if let Some((_, hit)) = current {
                    seen += 1;
                    done += u32::from(hit);
                }
                current = Some((period, cell.is_some()));
            }
        }
    }
    if let Some((_, hit)) = current {
        seen += 1;
        done += u32::from(hit);
    }
    ratio(done, seen)
}

/// Compares the completion rate of the window's older and newer halves.
fn trend(cells: &[Option<Option<i32>>], start: Date, frequency: HabitFrequency) -> HabitTrend {
    if i64::try_from(cells.len()).unwrap_or(0) < MIN_TREND_DAYS {
        return HabitTrend::InsufficientData;
    }
    let half = cells.len() / 2;
    let (older, newer) = cells.split_at(cells.len() - half);
    let newer_start = start + Duration::days(i64::try_from(older.len()).unwrap_or(0));
    let change = period_rate(newer, newer_start, frequency) - period_rate(older, start, frequency);
    if change > TREND_THRESHOLD {
        HabitTrend::Improving
    } else if change < -TREND_THRESHOLD {
        HabitTrend::Declining
    } else {
        HabitTrend::Stable
    }
}

/// `done / seen`, 0 when nothing was seen.
pub(crate) fn ratio(done: u32, seen: u32) -> f64 {
    if seen == 0 {
        0.0
    } else {
        f64::from(done) / f64::from(seen)
    }
}
