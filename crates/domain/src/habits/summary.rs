//! The summary across a user's habits (pure, see [`summary`]).

use time::Date;

use super::entity::{HabitsSummary, SummaryTrends};
use super::maths::{period_index, ratio, streak, window_start};
use crate::entities::productivity::HabitFrequency;

/// Days of the completion-rate window of the summary.
pub const SUMMARY_DAYS: u16 = 30;

/// Days of completions (ending today) the summary reads first for every habit: the 60
/// days its trends compare, with room to spare. A habit whose current run reaches back
/// to the start of what was read is read further ([`tail_suffices`]).
pub const SUMMARY_TAIL_DAYS: i64 = 64;

/// Whether a habit's completions dated `from` or later (`tail`, any order) hold all the
/// summary needs of it on `today`, given `from` is at least 60 days back: they do unless
/// its current run (of days, weeks or months) may reach back to the period holding
/// `from` or the one after it (a week or month cut at `from` may hold older completions).
/// A history read from its first completion on always suffices.
pub fn tail_suffices(tail: &[Date], from: Date, today: Date, frequency: HabitFrequency) -> bool {
    let s = streak(tail, today, frequency);
    let Some(last) = s.last_completed_date else {
        return true;
    };
    if s.current_streak == 0 {
        return true;
    }
    let run_start = period_index(last, frequency) - i64::from(s.current_streak) + 1;
    run_start > period_index(from, frequency) + 1
}

/// What the summary needs of one habit.
#[derive(Debug, Clone, Copy)]
pub struct HabitHistory<'a> {
    /// Still tracked (only active habits count beyond `totalHabits`).
    pub active: bool,
    /// How often its target applies.
    pub frequency: HabitFrequency,
    /// Local day it started: its creation day, or its first completion if earlier.
    pub started: Date,
    /// Local dates of its completions, any order: all of them, or those from a day at
    /// least 60 days back for which [`tail_suffices`] holds.
    pub dates: &'a [Date],
}

/// Figures across habits on `today`: counts, completions today, the completion rate of
/// the active habits over the last 30 days (each from its start), the sum and the
/// maximum of their current streaks, and the relative change of completions
/// (last 7 days against the 7 before; last 30 against the 30 before).
pub fn summary(habits: &[HabitHistory<'_>], today: Date) -> HabitsSummary {
    let active: Vec<&HabitHistory<'_>> = habits.iter().filter(|h| h.active).collect();
    let (mut done, mut seen) = (0u32, 0u32);
    let (mut total_streak, mut longest_active, mut completed_today) = (0u32, 0u32, 0u32);
    let mut counts = [0u32; 4]; // last 7, prior 7, last 30, prior 30
    for habit in &active {
        let start = window_start(today, SUMMARY_DAYS, habit.started);
        seen += u32::try_from((today - start).whole_days() + 1).unwrap_or(0);
        let mut days: Vec<Date> = habit
            .dates
            .iter()
            .copied()
            .filter(|d| *d <= today)
            .collect();
        days.sort_unstable();
        days.dedup();
        for day in &days {
            let age = (today - *day).whole_days();
            if *day >= start {
                done += 1;
            }
            match age {
                0..=6 => counts[0] += 1,
                7..=13 => counts[1] += 1,
                _ => {}
            }
            match age {
                0..=29 => counts[2] += 1,
                30..=59 => counts[3] += 1,
                _ => {}
            }
        }
        let s = streak(&days, today, habit.frequency);
        total_streak = total_streak.saturating_add(s.current_streak);
        longest_active = longest_active.max(s.current_streak);
        completed_today += u32::from(s.is_active_today);
    }
    HabitsSummary {
        total_habits: u32::try_from(habits.len()).unwrap_or(u32::MAX),
        active_habits: u32::try_from(active.len()).unwrap_or(u32::MAX),
        completed_today,
        completion_rate: ratio(done, seen),
        total_streak_days: total_streak,
        longest_active_streak: longest_active,
        trends: SummaryTrends {
            week_over_week: change(counts[0], counts[1]),
            month_over_month: change(counts[2], counts[3]),
        },
    }
}

/// Relative change from `before` to `now` (`0.5` = half as many again); from nothing to
/// something is `1`, nothing to nothing `0`.
fn change(now: u32, before: u32) -> f64 {
    if before == 0 {
        if now == 0 { 0.0 } else { 1.0 }
    } else {
        (f64::from(now) - f64::from(before)) / f64::from(before)
    }
}
