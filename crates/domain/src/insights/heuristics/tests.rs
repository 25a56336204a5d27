use time::macros::{date, datetime};

use super::*;

const NOW: OffsetDateTime = datetime!(2026-12-06 12:00 UTC);

fn signals(days_ago: Option<i64>, touches: u32, reachable: bool) -> ContactSignals {
    ContactSignals {
        last_contact_at: days_ago.map(|d| NOW - time::Duration::days(d)),
        touches_90d: touches,
        reachable,
        open_tasks: 0,
        overdue_tasks: 0,
        consent: ConsentState::Granted,
    }
}

#[test]
fn lead_score_adds_recency_frequency_and_reachability() {
    // (days since last contact, touches in 90 days, reachable) → (score, band)
    let table: &[(Option<i64>, u32, bool, u32, &str)] = &[
        (None, 0, false, 0, "low"),
        (None, 0, true, 10, "low"),
        (Some(0), 1, false, 55, "medium"),
        (Some(7), 1, true, 65, "medium"),
        (Some(8), 2, true, 60, "medium"),
        (Some(14), 4, true, 70, "high"),
        (Some(15), 8, true, 80, "high"),
        (Some(30), 20, true, 80, "high"),
        (Some(31), 0, true, 25, "low"),
        (Some(60), 3, false, 30, "low"),
        (Some(61), 6, true, 45, "medium"),
        (Some(90), 0, false, 5, "low"),
        (Some(91), 0, true, 10, "low"),
        (Some(2), 100, true, 100, "high"),
    ];
    for &(days, touches, reachable, score, band) in table {
        let got = lead_score(&signals(days, touches, reachable), NOW);
        assert_eq!(
            (got.score, got.band),
            (score, band),
            "days {days:?}, touches {touches}, reachable {reachable}"
        );
    }
}

#[test]
fn days_since_counts_whole_days_and_never_goes_negative() {
    assert_eq!(days_since(None, NOW), None);
    assert_eq!(
        days_since(Some(NOW - time::Duration::hours(47)), NOW),
        Some(1)
    );
    assert_eq!(
        days_since(Some(NOW + time::Duration::days(3)), NOW),
        Some(0)
    );
    assert_eq!(
        days_since(Some(NOW - time::Duration::days(45)), NOW),
        Some(45)
    );
}

#[test]
fn frequency_is_capped() {
    let table = [(0, 0), (1, 5), (7, 35), (8, 40), (9, 40), (u32::MAX, 40)];
    for (touches, points) in table {
        assert_eq!(frequency_points(touches), points, "{touches}");
    }
}

#[test]
fn next_best_action_picks_the_most_pressing_rule() {
    let id = uuid::Uuid::nil();
    let with = |days: Option<i64>, open: u32, overdue: u32| ContactSignals {
        open_tasks: open,
        overdue_tasks: overdue,
        ..signals(days, 1, true)
    };
    // (signals) → rule (None: nothing to suggest)
    let table: &[(ContactSignals, Option<&str>)] = &[
        (with(None, 3, 1), Some("first_contact")),
        (with(Some(31), 2, 2), Some("re_engage")),
        (with(Some(30), 2, 1), Some("overdue_tasks")),
        (with(Some(20), 2, 0), Some("open_tasks")),
        (with(Some(3), 0, 0), Some("continue")),
        (with(Some(3), 1, 0), Some("open_tasks")),
        (with(Some(20), 0, 0), None),
    ];
    for (s, rule) in table {
        let got = next_best_action(s, id, NOW);
        assert_eq!(
            got.as_ref()
                .and_then(|c| c.content["props"]["rule"].as_str()),
            *rule,
            "{s:?}"
        );
    }
    let re_engage = next_best_action(&with(Some(40), 0, 0), id, NOW).unwrap();
    assert_eq!(re_engage.content["priority"], "high");
    assert_eq!(re_engage.content["actions"][0]["type"], "create_task");
}

#[test]
fn a_consent_gap_is_reported_unless_consent_was_granted() {
    let with = |consent| ContactSignals {
        consent,
        ..signals(Some(1), 1, true)
    };
    assert_eq!(consent_gap(&with(ConsentState::Granted)), None);
    let missing = consent_gap(&with(ConsentState::Missing)).unwrap();
    assert_eq!(missing.content["priority"], "urgent");
    assert_eq!(missing.inputs["consent"], "missing");
    let refused = consent_gap(&with(ConsentState::Refused)).unwrap();
    assert_eq!(refused.inputs["consent"], "refused");
}

#[test]
fn heuristic_inputs_do_not_change_while_the_insight_would_not() {
    // A day later, still in the same band: the fingerprinted inputs are equal.
    let s = signals(Some(16), 3, true);
    let later = NOW + time::Duration::days(1);
    assert_eq!(
        lead_score_insight(&s, NOW).inputs,
        lead_score_insight(&s, later).inputs
    );
    assert_eq!(
        next_best_action(
            &ContactSignals { open_tasks: 1, ..s },
            uuid::Uuid::nil(),
            NOW
        )
        .map(|c| c.inputs),
        next_best_action(
            &ContactSignals { open_tasks: 1, ..s },
            uuid::Uuid::nil(),
            later
        )
        .map(|c| c.inputs),
    );
    // Crossing into the next band changes them.
    let much_later = NOW + time::Duration::days(20);
    assert_ne!(
        lead_score_insight(&s, NOW).inputs,
        lead_score_insight(&s, much_later).inputs
    );
}

#[test]
fn the_digest_week_starts_on_monday() {
    assert_eq!(
        week_start(datetime!(2026-12-06 23:59 UTC)),
        date!(2026 - 11 - 30)
    );
    assert_eq!(
        week_start(datetime!(2026-11-30 00:00 UTC)),
        date!(2026 - 11 - 30)
    );
    let d = DigestSignals {
        week_start: date!(2026 - 11 - 30),
        new_contacts: 1,
        interactions: 4,
        notes: 2,
        tasks_completed: 3,
        overdue_tasks: 1,
        quiet_contacts: 5,
        consent_gaps: 0,
    };
    let digest = weekly_digest(&d);
    assert_eq!(digest.content["title"], "Week of 2026-11-30");
    assert_eq!(
        digest.content["summary"],
        "1 new contact, 4 interactions and 2 notes this week; 3 tasks completed. 1 task \
         overdue, 5 clients quiet for over 30 days, 0 clients without data-processing consent."
    );
    assert_eq!(digest.content["priority"], "medium");
}
