//! Pulse analytics: examples and properties over random check-in histories.

use proptest::prelude::*;
use time::macros::date;
use time::{Date, Duration};

use super::*;

fn entry(date: Date, time: f64, energy: f64, mood: f64, sleep: Option<f64>) -> Entry {
    Entry {
        date,
        details: PulseDetails {
            time,
            energy,
            mood,
            sleep,
            ..PulseDetails::default()
        },
    }
}

#[test]
fn a_week_of_entries() {
    let today = date!(2026 - 03 - 14);
    let mut entries = vec![
        entry(today - Duration::days(6), 2.0, 1.0, 2.0, Some(1.0)),
        entry(today - Duration::days(5), 2.0, 2.0, 2.0, Some(2.0)),
        entry(today - Duration::days(1), 4.0, 4.0, 4.0, Some(4.0)),
        entry(today, 5.0, 5.0, 5.0, Some(5.0)),
        // Outside the window.
        entry(today - Duration::days(7), 1.0, 1.0, 1.0, None),
    ];
    entries[2].details.tasks_completed = Some(8);
    entries[3].details.tasks_completed = Some(10);
    entries[0].details.tasks_completed = Some(1);
    let a = analytics(&entries, PulsePeriod::Week, today);
    assert_eq!(a.start_date, date!(2026 - 03 - 08));
    assert_eq!(a.heatmap.len(), 7);
    assert_eq!(a.summary.total_logs, 4);
    assert!((a.summary.completion_rate - 4.0 / 7.0).abs() < 1e-9);
    assert_eq!(a.summary.averages.energy, Some(3.0));
    assert_eq!(a.summary.trends.energy, PulseTrend::Up);
    assert_eq!(a.summary.best_day.as_ref().unwrap().date, today);
    assert_eq!(
        a.summary.worst_day.as_ref().unwrap().date,
        today - Duration::days(6)
    );
    assert_eq!(a.heatmap[2].overall_score, None);
    assert_eq!(a.heatmap[6].overall_score, Some(5.0));
    let energy_sleep = a
        .correlations
        .iter()
        .find(|c| c.metric == "energy" && c.other == "sleep")
        .unwrap();
    assert!((energy_sleep.correlation.unwrap() - 1.0).abs() < 1e-9);
    assert_eq!(energy_sleep.significance, Significance::Strong);
    let energy_tasks = a
        .correlations
        .iter()
        .find(|c| c.metric == "energy" && c.other == "tasksCompleted")
        .unwrap();
    assert_eq!(energy_tasks.sample_size, 3);
    assert!(energy_tasks.correlation.unwrap() > 0.9);
    // energy, mood, sleep, time against every later field: 6 + 5 + 4 + 3.
    assert_eq!(a.correlations.len(), 18);
}

#[test]
fn no_entries_no_figures() {
    let a = analytics(&[], PulsePeriod::Quarter, date!(2026 - 03 - 14));
    assert_eq!(a.heatmap.len(), 90);
    assert_eq!(a.summary.total_logs, 0);
    assert_eq!(a.summary.best_day, None);
    assert_eq!(a.summary.averages.mood, None);
    assert!(a.correlations.iter().all(|c| c.correlation.is_none()));
}

#[test]
fn pearson_of_known_series() {
    assert_eq!(pearson(&[(1.0, 1.0), (2.0, 2.0)]), None);
    assert_eq!(pearson(&[(1.0, 1.0), (1.0, 2.0), (1.0, 3.0)]), None);
    let r = pearson(&[(1.0, 3.0), (2.0, 2.0), (3.0, 1.0)]).unwrap();
    assert!((r + 1.0).abs() < 1e-12);
}

fn rating() -> impl Strategy<Value = f64> {
    (4u32..=20).prop_map(|q| f64::from(q) / 4.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn analytics_stay_in_range(
        raw in prop::collection::vec((0i64..120, rating(), rating(), rating(), prop::option::of(rating()), prop::option::of(0u32..50)), 0..100),
        period in prop_oneof![Just(PulsePeriod::Week), Just(PulsePeriod::Month), Just(PulsePeriod::Quarter)],
    ) {
        let today = date!(2026 - 03 - 14);
        let mut seen = std::collections::BTreeSet::new();
        let entries: Vec<Entry> = raw
            .into_iter()
            .filter(|r| seen.insert(r.0))
            .map(|(ago, t, e, m, s, tasks)| {
                let mut x = entry(today - Duration::days(ago), t, e, m, s);
                x.details.tasks_completed = tasks;
                x
            })
            .collect();
        let a = analytics(&entries, period, today);
        let start = window(period, today);
        prop_assert_eq!(a.heatmap.len() as i64, (today - start).whole_days() + 1);
        let filled = a.heatmap.iter().filter(|c| c.overall_score.is_some()).count();
        prop_assert_eq!(filled as u32, a.summary.total_logs);
        prop_assert!((0.0..=1.0).contains(&a.summary.completion_rate));
        for avg in [a.summary.averages.time, a.summary.averages.energy, a.summary.averages.mood, a.summary.averages.sleep].into_iter().flatten() {
            prop_assert!((1.0..=5.0).contains(&avg));
        }
        for c in &a.correlations {
            if let Some(r) = c.correlation {
                prop_assert!((-1.0..=1.0).contains(&r));
                prop_assert!(c.sample_size >= 3);
            }
        }
        if let (Some(best), Some(worst)) = (&a.summary.best_day, &a.summary.worst_day) {
            prop_assert!(best.overall_score >= worst.overall_score);
            for cell in &a.heatmap {
                if let Some(s) = cell.overall_score {
                    prop_assert!(s <= best.overall_score && s >= worst.overall_score);
                }
            }
        }
    }
}
