//! Streak and analytics maths: examples, and properties over random completion histories
//! (proptest), including daylight-saving changes and zones on both sides of the date line.

use std::collections::BTreeSet;

use chrono::{LocalResult, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use proptest::prelude::*;
use time::macros::{date, datetime};
use time::{Date, Duration, OffsetDateTime};

use super::*;
use crate::local_day::{local_date, zone};

const DAILY: HabitFrequency = HabitFrequency::Daily;

fn days(today: Date, ago: &[i64]) -> Vec<Date> {
    ago.iter().map(|a| today - Duration::days(*a)).collect()
}

#[test]
fn a_streak_survives_until_the_end_of_the_day_after_its_last_completion() {
    let today = date!(2026 - 03 - 10);
    let s = streak(&days(today, &[1, 2, 3, 5, 6]), today, DAILY);
    assert_eq!((s.current_streak, s.longest_streak), (3, 3));
    assert!(!s.is_active_today);
    assert_eq!(s.last_completed_date, Some(date!(2026 - 03 - 09)));
    let s = streak(&days(today, &[0, 1, 2, 3]), today, DAILY);
    assert_eq!((s.current_streak, s.longest_streak), (4, 4));
    assert!(s.is_active_today);
    let s = streak(&days(today, &[2, 3]), today, DAILY);
    assert_eq!((s.current_streak, s.longest_streak), (0, 2));
}

#[test]
fn milestones_record_the_day_a_run_first_reached_them() {
    let today = date!(2026 - 03 - 31);
    let s = streak(
        &days(today, &[20, 19, 18, 10, 9, 8, 7, 6, 5, 4]),
        today,
        DAILY,
    );
    assert_eq!(s.milestones[0].days, 3);
    assert_eq!(s.milestones[0].achieved_at, Some(date!(2026 - 03 - 13)));
    assert_eq!(s.milestones[1].days, 7);
    assert_eq!(s.milestones[1].achieved_at, Some(date!(2026 - 03 - 27)));
    assert_eq!(s.milestones[2].achieved_at, None);
}

#[test]
fn weekly_and_monthly_habits_count_periods() {
    // Mondays 2026-03-02, -09, -16: a different day in each of three weeks.
    let today = date!(2026 - 03 - 17);
    let dates = [
        date!(2026 - 03 - 06),
        date!(2026 - 03 - 09),
        date!(2026 - 03 - 16),
    ];
    let s = streak(&dates, today, HabitFrequency::Weekly);
    assert_eq!((s.current_streak, s.longest_streak), (3, 3));
    let dates = [
        date!(2026 - 01 - 31),
        date!(2026 - 02 - 01),
        date!(2026 - 04 - 01),
    ];
    let s = streak(&dates, date!(2026 - 04 - 02), HabitFrequency::Monthly);
    assert_eq!((s.current_streak, s.longest_streak), (1, 2));
}

#[test]
fn future_completions_wait_for_their_day() {
    let today = date!(2026 - 03 - 10);
    let s = streak(&[date!(2026 - 03 - 11)], today, DAILY);
    assert_eq!(s.current_streak, 0);
    assert_eq!(s.last_completed_date, None);
}

#[test]
fn analytics_of_a_known_history() {
    let today = date!(2026 - 03 - 14); // a Saturday
    let start = window_start(today, 14, date!(2020 - 01 - 01));
    assert_eq!(start, date!(2026 - 03 - 01));
    // The newer week done every day, the older week twice, with values.
    let mut done: Vec<Done> = (0..7)
        .map(|a| Done {
            date: today - Duration::days(a),
            value: Some(10),
        })
        .collect();
    done.push(Done {
        date: date!(2026 - 03 - 01),
        value: Some(4),
    });
    done.push(Done {
        date: date!(2026 - 03 - 02),
        value: None,
    });
    let a = analytics(&done, start, today, DAILY);
    assert_eq!(a.heatmap.len(), 14);
    assert_eq!(a.stats.total_completions, 9);
    assert!((a.stats.completion_rate - 9.0 / 14.0).abs() < 1e-9);
    assert_eq!(a.stats.average_value, Some(74.0 / 8.0));
    assert_eq!(a.stats.trend, HabitTrend::Improving);
    assert_eq!(a.stats.current_streak, 7);
    assert_eq!(a.heatmap[1].value, 1.0);
    assert_eq!(a.heatmap[2].value, 0.0);
    // 2026-03-01 is a Sunday: two Sundays in the window, both done.
    assert_eq!(a.weekly_pattern[0].day_of_week, 0);
    assert_eq!(a.weekly_pattern[0].completion_rate, 1.0);
    assert_eq!(a.weekly_pattern[1].completion_rate, 1.0);
    assert_eq!(a.weekly_pattern[2].completion_rate, 0.5);
}

#[test]
fn a_young_habit_is_measured_from_its_start_and_has_no_trend_yet() {
    let today = date!(2026 - 03 - 14);
    let start = window_start(today, 30, today - Duration::days(2));
    let done = [Done {
        date: today,
        value: None,
    }];
    let a = analytics(&done, start, today, DAILY);
    assert_eq!(a.heatmap.len(), 3);
    assert!((a.stats.completion_rate - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(a.stats.trend, HabitTrend::InsufficientData);
}

#[test]
fn the_summary_counts_active_habits_only() {
    let today = date!(2026 - 03 - 14);
    let a = days(today, &[0, 1, 2]);
    let b = days(today, &[1, 8, 9]);
    let off = days(today, &[0]);
    let habits = [
        HabitHistory {
            active: true,
            frequency: DAILY,
            started: today - Duration::days(9),
            dates: &a,
        },
        HabitHistory {
            active: true,
            frequency: DAILY,
            started: today - Duration::days(9),
            dates: &b,
        },
        HabitHistory {
            active: false,
            frequency: DAILY,
            started: today,
            dates: &off,
        },
    ];
    let s = summary(&habits, today);
    assert_eq!(
        (s.total_habits, s.active_habits, s.completed_today),
        (3, 2, 1)
    );
    assert_eq!((s.total_streak_days, s.longest_active_streak), (4, 3));
    assert!((s.completion_rate - 6.0 / 20.0).abs() < 1e-9);
    // Last 7 days: 4 completions; the 7 before: 2.
    assert!((s.trends.week_over_week - 1.0).abs() < 1e-9);
}

/// The longest run of consecutive days, the obvious way.
fn longest_run(set: &BTreeSet<Date>) -> u32 {
    set.iter()
        .map(|d| {
            let mut n = 0;
            while set.contains(&(*d - Duration::days(n))) {
                n += 1;
            }
            u32::try_from(n).unwrap()
        })
        .max()
        .unwrap_or(0)
}

fn history() -> impl Strategy<Value = (Vec<i64>, i64)> {
    (prop::collection::vec(0i64..120, 0..80), 0i64..4000)
}

/// Zones with daylight-saving changes, half-hour offsets and both sides of the date line.
const ZONES: &[&str] = &[
    "Pacific/Auckland",
    "Pacific/Honolulu",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Pacific/Chatham",
    "America/New_York",
    "America/St_Johns",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
];

/// The instant of a local wall-clock time in `tz`: the earlier of two in a repeated hour,
/// and an hour later when the time falls in a gap (the clock jumped over it).
fn instant(tz: Tz, day: Date, minute_of_day: u32) -> OffsetDateTime {
    let naive_day = NaiveDate::from_ymd_opt(
        day.year(),
        u32::from(u8::from(day.month())),
        u32::from(day.day()),
    )
    .unwrap();
    let time = NaiveTime::from_num_seconds_from_midnight_opt(minute_of_day * 60, 0).unwrap();
    let mut local = naive_day.and_time(time);
    let resolved = loop {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => break t,
            LocalResult::None => local += chrono::Duration::minutes(30),
        }
    };
    OffsetDateTime::from_unix_timestamp(resolved.timestamp()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Streak figures agree with a naive model and with each other, whatever the order
    /// and repeats of the completions.
    #[test]
    fn streaks_match_a_naive_model((ago, base) in history()) {
        let today = date!(2024 - 01 - 01) + Duration::days(base);
        let dates = days(today, &ago);
        let set: BTreeSet<Date> = dates.iter().copied().collect();
        let s = streak(&dates, today, DAILY);
        prop_assert_eq!(s.longest_streak, longest_run(&set));
        prop_assert!(s.current_streak <= s.longest_streak);
        prop_assert!(s.longest_streak as usize <= set.len());
        prop_assert_eq!(s.is_active_today, set.contains(&today));
        let expected_current = if set.contains(&today) || set.contains(&(today - Duration::days(1))) {
            let end = if set.contains(&today) { today } else { today - Duration::days(1) };
            let mut n = 0;
            while set.contains(&(end - Duration::days(n))) { n += 1; }
            u32::try_from(n).unwrap()
        } else { 0 };
        prop_assert_eq!(s.current_streak, expected_current);
        for m in &s.milestones {
            prop_assert_eq!(m.achieved_at.is_some(), s.longest_streak >= m.days);
        }
        let mut reversed = dates.clone();
        reversed.reverse();
        reversed.extend(dates.iter().take(5));
        prop_assert_eq!(streak(&reversed, today, DAILY), s);
    }

    /// Moving the whole history and today by the same number of days changes nothing but
    /// the dates.
    #[test]
    fn streaks_do_not_depend_on_the_calendar((ago, base) in history(), shift in -3000i64..3000) {
        let today = date!(2024 - 01 - 01) + Duration::days(base);
        let moved = today + Duration::days(shift);
        let a = streak(&days(today, &ago), today, DAILY);
        let b = streak(&days(moved, &ago), moved, DAILY);
        prop_assert_eq!((a.current_streak, a.longest_streak), (b.current_streak, b.longest_streak));
    }

    /// Completions logged at any wall-clock time (late evening, just after midnight,
    /// inside a daylight-saving gap or repeated hour) land on the local day they were
    /// made, so the streak seen by a user in any zone is the streak of those local days;
    /// "now" at any time of the user's today sees today.
    #[test]
    fn completions_land_on_the_users_local_day(
        (ago, base) in history(),
        zone_index in 0..ZONES.len(),
        minutes in prop::collection::vec(prop_oneof![Just(30u32), Just(1410), Just(150), Just(90), 0u32..1440], 80),
        now_minute in 0u32..1440,
    ) {
        let tz = zone(ZONES[zone_index]);
        // Around every 2024..2034 DST change.
        let today = date!(2024 - 01 - 01) + Duration::days(base);
        let local_days = days(today, &ago);
        let instants: Vec<OffsetDateTime> = local_days
            .iter()
            .zip(minutes.iter().cycle())
            .map(|(d, m)| instant(tz, *d, *m))
            .collect();
        let seen: Vec<Date> = instants.iter().map(|t| local_date(*t, tz)).collect();
        prop_assert_eq!(&seen, &local_days);
        let now = instant(tz, today, now_minute);
        prop_assert_eq!(local_date(now, tz), today);
        prop_assert_eq!(streak(&seen, local_date(now, tz), DAILY), streak(&local_days, today, DAILY));
    }

    /// Analytics are consistent with their own heatmap.
    #[test]
    fn analytics_agree_with_their_heatmap(
        (ago, base) in history(),
        window in 7u16..=365,
        started_ago in 0i64..400,
        values in prop::collection::vec(prop::option::of(0i32..100), 80),
    ) {
        let today = date!(2024 - 01 - 01) + Duration::days(base);
        let done: Vec<Done> = days(today, &ago)
            .into_iter()
            .zip(values.iter().cycle())
            .map(|(date, value)| Done { date, value: *value })
            .collect();
        let start = window_start(today, window, today - Duration::days(started_ago));
        let a = analytics(&done, start, today, DAILY);
        prop_assert_eq!(a.heatmap.len() as i64, (today - start).whole_days() + 1);
        prop_assert!(a.heatmap.len() <= usize::from(window));
        let completed = a.heatmap.iter().filter(|c| c.completed).count();
        prop_assert_eq!(completed, a.stats.total_completions as usize);
        prop_assert!((0.0..=1.0).contains(&a.stats.completion_rate));
        prop_assert!((a.stats.completion_rate - completed as f64 / a.heatmap.len() as f64).abs() < 1e-9);
        prop_assert_eq!(a.weekly_pattern.len(), 7);
        for w in &a.weekly_pattern {
            prop_assert!((0.0..=1.0).contains(&w.completion_rate));
        }
        let in_window: BTreeSet<Date> = done.iter().map(|d| d.date).filter(|d| *d >= start && *d <= today).collect();
        prop_assert_eq!(in_window.len(), completed);
        if a.heatmap.len() < 14 {
            prop_assert_eq!(a.stats.trend, HabitTrend::InsufficientData);
        }
    }
}

#[test]
fn late_evening_in_auckland_and_just_after_midnight_in_honolulu() {
    // Both users tick their habit for 2026-01-15 at the same moment (10:30 UTC).
    let auckland = instant(
        zone("Pacific/Auckland"),
        date!(2026 - 01 - 15),
        23 * 60 + 30,
    );
    let honolulu = instant(zone("Pacific/Honolulu"), date!(2026 - 01 - 15), 30);
    assert_eq!(auckland, datetime!(2026-01-15 10:30 UTC));
    assert_eq!(honolulu, datetime!(2026-01-15 10:30 UTC));
    // An hour later the Aucklander's today is the 16th: yesterday's tick keeps the streak
    // alive but is not today's; the Honolulu user is still on the 15th.
    let later = datetime!(2026-01-15 11:30 UTC);
    let day = [date!(2026 - 01 - 15)];
    let nz = streak(&day, local_date(later, zone("Pacific/Auckland")), DAILY);
    assert_eq!((nz.current_streak, nz.is_active_today), (1, false));
    let hi = streak(&day, local_date(later, zone("Pacific/Honolulu")), DAILY);
    assert_eq!((hi.current_streak, hi.is_active_today), (1, true));
}

/// Long histories (up to 3 years back, dense runs so that current runs cross the tail).
fn long_history() -> impl Strategy<Value = Vec<i64>> {
    prop::collection::vec((0i64..1100, 1i64..200), 0..12).prop_map(|runs| {
        runs.into_iter()
            .flat_map(|(end, len)| (end..end + len).map(|a| a - 3))
            .collect()
    })
}

const FREQUENCIES: [HabitFrequency; 3] = [
    HabitFrequency::Daily,
    HabitFrequency::Weekly,
    HabitFrequency::Monthly,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The summary over the completions from `from` on equals the summary over all of
    /// them whenever `tail_suffices` says so; and it says so of a tail that holds them all.
    #[test]
    fn a_sufficient_tail_gives_the_same_summary(
        ago in long_history(),
        base in 0i64..4000,
        from_ago in 59i64..1200,
        frequency_index in 0..3usize,
        started_ago in 0i64..1200,
        active in any::<bool>(),
    ) {
        let frequency = FREQUENCIES[frequency_index];
        let today = date!(2024 - 01 - 01) + Duration::days(base);
        let all = days(today, &ago);
        let from = today - Duration::days(from_ago);
        let tail: Vec<Date> = all.iter().copied().filter(|d| *d >= from).collect();
        let started = today - Duration::days(started_ago);
        let history = |dates| [HabitHistory { active, frequency, started, dates }];
        if all.iter().all(|d| *d >= from) {
            prop_assert!(tail_suffices(&tail, from, today, frequency));
        }
        if tail_suffices(&tail, from, today, frequency) {
            prop_assert_eq!(summary(&history(&tail), today), summary(&history(&all), today));
        }
    }
}
