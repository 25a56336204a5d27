//! Due dates from phrases, relative to the user's local today.

use time::{Date, Duration, Month, Weekday};

use super::words::{Word, words};

/// A due date found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDate {
    /// The day.
    pub date: Date,
    /// The phrase as written in the text ("next Friday").
    pub phrase: String,
    /// Byte range of the phrase in the text (to strip it from a task name).
    pub span: std::ops::Range<usize>,
}

/// The due date of the first date phrase in `text`, `today` being the user's local day.
///
/// | phrase | date |
/// |---|---|
/// | `today`, `tonight`, `this evening`, `eod`, `end of day` | today |
/// | `tomorrow`, `tmrw`, `tmr` | the next day |
/// | `day after tomorrow` | two days on |
/// | `monday` .. `sunday` (also `mon` .. `sun`), `this friday`, `on friday`, `by friday` | the next such day, today included |
/// | `next friday` | that day of next week (weeks start on Monday) |
/// | `next week` | next Monday |
/// | `end of week`, `end of the week`, `eow`, `this week` | this week's Friday (the coming one at the weekend) |
/// | `next month` | the first of next month |
/// | `end of month`, `end of the month`, `eom` | the last day of this month |
/// | `end of year`, `end of the year`, `eoy` | 31 December |
/// | `in 3 days`, `in a day`, `in two weeks`, `in 1 month` | that many days, weeks (7 days) or calendar months on (1..=365; months keep the day, capped at the month's end) |
/// | `2026-03-15` | that day |
///
/// Matching ignores case and punctuation. `None` when no phrase matches.
pub fn parse_due_date(text: &str, today: Date) -> Option<DueDate> {
    let words = words(text);
    (0..words.len()).find_map(|i| {
        let (date, used) = phrase_at(&words[i..], today)?;
        let span = words[i].span.start..words[i + used - 1].span.end;
        Some(DueDate {
            date,
            phrase: text[span.clone()].to_owned(),
            span,
        })
    })
}

/// The date of a phrase starting at `w[0]`, and how many words it took.
fn phrase_at(w: &[Word], today: Date) -> Option<(Date, usize)> {
    let at = |i: usize| w.get(i).map(|x| x.text.as_str());
    let first = at(0)?;
    match (first, at(1), at(2), at(3)) {
        ("day", Some("after"), Some("tomorrow"), _) => Some((today + Duration::days(2), 3)),
        ("end", Some("of"), Some("the"), Some(unit)) => end_of(unit, today).map(|d| (d, 4)),
        ("end", Some("of"), Some(unit), _) => end_of(unit, today).map(|d| (d, 3)),
        ("this", Some("evening"), _, _) => Some((today, 2)),
        ("this", Some("week"), _, _) => Some((end_of_week(today), 2)),
        ("next", Some("week"), _, _) => Some((next_weekday_after(today, Weekday::Monday), 2)),
        ("next", Some("month"), _, _) => first_of_next_month(today).map(|d| (d, 2)),
        ("next", Some(day), _, _) => {
            weekday(day).map(|wd| (monday_of_next_week(today) + offset_from_monday(wd), 2))
        }
        ("this" | "on" | "by" | "due", Some(day), _, _) if weekday(day).is_some() => {
            weekday(day).map(|wd| (on_or_after(today, wd), 2))
        }
        ("in", Some(n), Some(unit), _) => {
            let n = number(n)?;
            shift(today, n, unit).map(|d| (d, 3))
        }
        ("today" | "tonight" | "eod", ..) => Some((today, 1)),
        ("tomorrow" | "tmrw" | "tmr", ..) => Some((today + Duration::days(1), 1)),
        ("eow", ..) => Some((end_of_week(today), 1)),
        ("eom", ..) => end_of("month", today).map(|d| (d, 1)),
        ("eoy", ..) => end_of("year", today).map(|d| (d, 1)),
        (word, ..) => weekday(word)
            .map(|wd| (on_or_after(today, wd), 1))
            .or_else(|| iso_date(word).map(|d| (d, 1))),
    }
}

fn end_of(unit: &str, today: Date) -> Option<Date> {
    match unit {
        "day" => Some(today),
        "week" => Some(end_of_week(today)),
        "month" => first_of_next_month(today).map(|d| d - Duration::days(1)),
        "year" => Date::from_calendar_date(today.year(), Month::December, 31).ok(),
        _ => None,
    }
}

/// This week's Friday; at the weekend, the coming one.
fn end_of_week(today: Date) -> Date {
    on_or_after(today, Weekday::Friday)
}

fn first_of_next_month(today: Date) -> Option<Date> {
    let (year, month) = match today.month() {
        Month::December => (today.year() + 1, Month::January),
        m => (today.year(), m.next()),
    };
    Date::from_calendar_date(year, month, 1).ok()
}

fn monday_of_next_week(today: Date) -> Date {
    today + Duration::days(7 - i64::from(today.weekday().number_days_from_monday()))
}

fn offset_from_monday(day: Weekday) -> Duration {
    Duration::days(i64::from(day.number_days_from_monday()))
}

/// The first `day` on or after `today`.
fn on_or_after(today: Date, day: Weekday) -> Date {
    let ahead = (i64::from(day.number_days_from_monday())
        - i64::from(today.weekday().number_days_from_monday()))
    .rem_euclid(7);
    today + Duration::days(ahead)
}

/// The first `day` strictly after `today`.
fn next_weekday_after(today: Date, day: Weekday) -> Date {
    on_or_after(today + Duration::days(1), day)
}

fn weekday(word: &str) -> Option<Weekday> {
    Some(match word {
        "monday" | "mon" => Weekday::Monday,
        "tuesday" | "tue" | "tues" => Weekday::Tuesday,
        "wednesday" | "wed" => Weekday::Wednesday,
        "thursday" | "thu" | "thur" | "thurs" => Weekday::Thursday,
        "friday" | "fri" => Weekday::Friday,
        "saturday" | "sat" => Weekday::Saturday,
        "sunday" | "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// 1..=365 in digits, or a number word up to twelve ("a", "an" = 1).
fn number(word: &str) -> Option<u16> {
    let n = match word {
        "a" | "an" | "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        digits if digits.len() <= 3 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse().ok()?
        }
        _ => return None,
    };
    (1..=365).contains(&n).then_some(n)
}

fn shift(today: Date, n: u16, unit: &str) -> Option<Date> {
    let n = i64::from(n);
    match unit {
        "day" | "days" => today.checked_add(Duration::days(n)),
        "week" | "weeks" => today.checked_add(Duration::days(7 * n)),
        "month" | "months" => add_months(today, n),
        _ => None,
    }
}

/// `today` plus `n` calendar months, the day capped at the month's last day.
fn add_months(today: Date, n: i64) -> Option<Date> {
    let index = i64::from(today.year()) * 12 + i64::from(u8::from(today.month())) - 1 + n;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let last = month.length(year);
    Date::from_calendar_date(year, month, today.day().min(last)).ok()
}

/// `YYYY-MM-DD`.
fn iso_date(word: &str) -> Option<Date> {
    if word.len() != 10 {
        return None;
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(word, &format).ok()
}
