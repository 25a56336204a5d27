//! Table-driven tests of the inbox rules with a fixed "now".

use time::Date;
use time::macros::date;

use super::*;
use crate::entities::productivity::TaskPriority;

/// Wednesday 11 March 2026.
const TODAY: Date = date!(2026 - 03 - 11);

#[test]
fn date_phrases() {
    let cases: &[(&str, Option<Date>, &str)] = &[
        ("call Ana today", Some(TODAY), "today"),
        ("Tonight: pack bag", Some(TODAY), "Tonight"),
        ("send notes by end of day", Some(TODAY), "end of day"),
        (
            "email the studio tomorrow",
            Some(date!(2026 - 03 - 12)),
            "tomorrow",
        ),
        ("TMRW yoga", Some(date!(2026 - 03 - 12)), "TMRW"),
        (
            "the day after tomorrow",
            Some(date!(2026 - 03 - 13)),
            "day after tomorrow",
        ),
        ("invoice Friday", Some(date!(2026 - 03 - 13)), "Friday"),
        ("invoice on fri.", Some(date!(2026 - 03 - 13)), "on fri"),
        ("call by Wednesday", Some(TODAY), "by Wednesday"),
        ("monday: plan week", Some(date!(2026 - 03 - 16)), "monday"),
        (
            "Send invoices next Friday",
            Some(date!(2026 - 03 - 20)),
            "next Friday",
        ),
        ("next monday", Some(date!(2026 - 03 - 16)), "next monday"),
        ("next week review", Some(date!(2026 - 03 - 16)), "next week"),
        ("this week", Some(date!(2026 - 03 - 13)), "this week"),
        (
            "by end of the week",
            Some(date!(2026 - 03 - 13)),
            "end of the week",
        ),
        ("EOW", Some(date!(2026 - 03 - 13)), "EOW"),
        ("in 3 days", Some(date!(2026 - 03 - 14)), "in 3 days"),
        ("in a day", Some(date!(2026 - 03 - 12)), "in a day"),
        ("in two weeks", Some(date!(2026 - 03 - 25)), "in two weeks"),
        ("in 1 month", Some(date!(2026 - 04 - 11)), "in 1 month"),
        (
            "end of month taxes",
            Some(date!(2026 - 03 - 31)),
            "end of month",
        ),
        (
            "end of the month",
            Some(date!(2026 - 03 - 31)),
            "end of the month",
        ),
        ("eom", Some(date!(2026 - 03 - 31)), "eom"),
        ("next month", Some(date!(2026 - 04 - 01)), "next month"),
        (
            "before end of year",
            Some(date!(2026 - 12 - 31)),
            "end of year",
        ),
        ("due 2026-04-02", Some(date!(2026 - 04 - 02)), "2026-04-02"),
        ("buy oils", None, ""),
        ("in 0 days", None, ""),
        ("in 366 days", None, ""),
        ("in many days", None, ""),
        ("2026-02-30", None, ""),
        ("", None, ""),
        ("next", None, ""),
        ("end of", None, ""),
        // The first phrase wins.
        (
            "tomorrow or friday",
            Some(date!(2026 - 03 - 12)),
            "tomorrow",
        ),
    ];
    for (text, expected, phrase) in cases {
        let got = parse_due_date(text, TODAY);
        assert_eq!(got.as_ref().map(|d| d.date), *expected, "{text:?}");
        if let Some(d) = got {
            assert_eq!(d.phrase, *phrase, "{text:?}");
            assert_eq!(&text[d.span.clone()], *phrase);
        }
    }
}

#[test]
fn month_arithmetic_and_year_ends() {
    let jan31 = date!(2026 - 01 - 31);
    assert_eq!(
        parse_due_date("in 1 month", jan31).unwrap().date,
        date!(2026 - 02 - 28)
    );
    assert_eq!(
        parse_due_date("in 13 months", jan31).unwrap().date,
        date!(2027 - 02 - 28)
    );
    let dec = date!(2026 - 12 - 20);
    assert_eq!(
        parse_due_date("next month", dec).unwrap().date,
        date!(2027 - 01 - 01)
    );
    assert_eq!(
        parse_due_date("end of month", dec).unwrap().date,
        date!(2026 - 12 - 31)
    );
    // At the weekend, "end of week" is the coming Friday; "friday" too.
    let saturday = date!(2026 - 03 - 14);
    assert_eq!(
        parse_due_date("eow", saturday).unwrap().date,
        date!(2026 - 03 - 20)
    );
    assert_eq!(
        parse_due_date("next friday", saturday).unwrap().date,
        date!(2026 - 03 - 20)
    );
    let sunday = date!(2026 - 03 - 15);
    assert_eq!(
        parse_due_date("next week", sunday).unwrap().date,
        date!(2026 - 03 - 16)
    );
}

#[test]
fn priority_words() {
    let cases: &[(&str, Option<TaskPriority>)] = &[
        ("URGENT: call the landlord", Some(TaskPriority::High)),
        ("asap renew insurance", Some(TaskPriority::High)),
        ("fix booking page!!", Some(TaskPriority::High)),
        ("high priority: taxes", Some(TaskPriority::High)),
        ("someday learn Spanish", Some(TaskPriority::Low)),
        ("low priority tidy files", Some(TaskPriority::Low)),
        ("no rush: new logo", Some(TaskPriority::Low)),
        ("maybe urgent", Some(TaskPriority::High)),
        ("buy oils", None),
        ("highlight priorities", None),
    ];
    for (text, expected) in cases {
        assert_eq!(priority_hint(text), *expected, "{text:?}");
    }
}

#[test]
fn zone_words() {
    let cases: &[(&str, Option<ZoneHint>)] = &[
        (
            "follow-up with client after session",
            Some(ZoneHint::ClientCare),
        ),
        ("pay invoices and file taxes", Some(ZoneHint::AdminFinances)),
        (
            "Instagram post about the workshop",
            Some(ZoneHint::SocialMediaMarketing),
        ),
        (
            "plan the spring retreat pricing",
            Some(ZoneHint::BusinessDevelopment),
        ),
        ("book a massage", Some(ZoneHint::SelfCare)),
        ("morning yoga and a walk", Some(ZoneHint::PersonalWellness)),
        ("buy milk", None),
    ];
    for (text, expected) in cases {
        assert_eq!(zone_hint(text), *expected, "{text:?}");
    }
    assert_eq!(ZoneHint::AdminFinances.name(), "Admin & Finances");
}

#[test]
fn multi_line_captures_split_into_drafts() {
    let capture = "Things for this week:\n\
                   - call Ana tomorrow, urgent\n\
                   * invoice clients by Friday\n\
                   \n\
                   1. Instagram post next week\n\
                   2) [ ] someday: new logo\n\
                   • today";
    let drafts = split_capture(capture, TODAY);
    let names: Vec<&str> = drafts.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Things for",
            "call Ana, urgent",
            "invoice clients",
            "Instagram post",
            "someday: new logo",
            "today",
        ]
    );
    assert_eq!(drafts[0].due_date, Some(date!(2026 - 03 - 13)));
    assert_eq!(drafts[1].due_date, Some(date!(2026 - 03 - 12)));
    assert_eq!(drafts[1].priority, Some(TaskPriority::High));
    assert_eq!(drafts[2].due_date, Some(date!(2026 - 03 - 13)));
    assert_eq!(drafts[2].zone, Some(ZoneHint::ClientCare));
    assert_eq!(drafts[3].due_date, Some(date!(2026 - 03 - 16)));
    assert_eq!(drafts[3].zone, Some(ZoneHint::SocialMediaMarketing));
    assert_eq!(drafts[4].priority, Some(TaskPriority::Low));
    assert_eq!(drafts[4].due_date, None);
    // A line that is only a date phrase keeps it as its name.
    assert_eq!(drafts[5].due_date, Some(TODAY));

    assert_eq!(split_capture("  \n\n ", TODAY), []);
    assert_eq!(split_capture("one line", TODAY).len(), 1);
    let many = "task\n".repeat(MAX_DRAFTS + 10);
    assert_eq!(split_capture(&many, TODAY).len(), MAX_DRAFTS);
    let long = "x".repeat(MAX_NAME_CHARS + 50);
    assert_eq!(
        split_capture(&long, TODAY)[0].name.chars().count(),
        MAX_NAME_CHARS
    );
}

/// Linear time: a capture of 1 MiB of words and symbols is handled in one pass (a
/// quadratic rule would take minutes here).
#[test]
fn large_captures_stay_linear() {
    let chunk = "in in next end of the day after -- !! 2026-13-99 ";
    let big = chunk.repeat((1 << 20) / chunk.len());
    let started = std::time::Instant::now();
    assert_eq!(parse_due_date(&big, TODAY).map(|d| d.date), Some(TODAY));
    let _ = priority_hint(&big);
    let _ = zone_hint(&big);
    let lines = "call Ana tomorrow\n".repeat(100_000);
    assert_eq!(split_capture(&lines, TODAY).len(), MAX_DRAFTS);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}
