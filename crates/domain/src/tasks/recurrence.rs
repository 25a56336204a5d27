//! Recurring tasks: a subset of RFC 5545 RRULE and the next occurrence of a series.
//!
//! Accepted: `FREQ=DAILY`, `FREQ=WEEKLY` (with `BYDAY=MO,WE,..`; without it, the weekday
//! of the task's due date), `FREQ=MONTHLY` (with `BYMONTHDAY=1..31`; without it, the day
//! of the due date), each with an optional `INTERVAL=1..99`, parts in any order, an
//! optional `RRULE:` prefix. Anything else (`COUNT`, `UNTIL`, `BYSETPOS`, ...) is refused
//! rather than half-honoured. A monthly rule on a day a month lacks skips that month, as
//! RFC 5545 does.

use time::{Date, Duration, Month, Weekday};

/// Longest rule text accepted (the column allows 200).
pub const MAX_RULE_CHARS: usize = 200;

/// Steps taken to move a long-overdue series past today before re-anchoring it at today.
const MAX_CATCH_UP_STEPS: usize = 4_000;

/// The rules the OpenAPI document states: `FREQ` first, then its day part, then
/// `INTERVAL`, with the optional `RRULE:` prefix. [`Recurrence::parse`] accepts every one
/// (a test generates them) and also other orders of the parts.
pub const STATED_RULE_PATTERN: &str = concat!(
    "^(?:RRULE:)?FREQ=(?:DAILY",
    "|WEEKLY(?:;BYDAY=(?:MO|TU|WE|TH|FR|SA|SU)(?:,(?:MO|TU|WE|TH|FR|SA|SU)){0,6})?",
    "|MONTHLY(?:;BYMONTHDAY=(?:[1-9]|[12][0-9]|3[01]))?",
    ")(?:;INTERVAL=[1-9][0-9]?)?$"
);

/// How often a series repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frequency {
    /// Every `interval` days.
    Daily,
    /// On these weekdays (none: the anchor's weekday) of every `interval`-th week.
    Weekly(Vec<Weekday>),
    /// On this day of the month (none: the anchor's day) of every `interval`-th month.
    Monthly(Option<u8>),
}

/// A parsed rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    /// The frequency and its days.
    pub frequency: Frequency,
    /// Every n-th day, week or month (1..=99).
    pub interval: u8,
}

impl Recurrence {
    /// Parses a rule; the error says what is wrong, in words a client can show.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        if text.chars().count() > MAX_RULE_CHARS {
            return Err("a recurrence rule has at most 200 characters");
        }
        let body = text.strip_prefix("RRULE:").unwrap_or(text);
        let mut freq = None;
        let mut interval = None;
        let mut by_day = None;
        let mut by_month_day = None;
        for part in body.split(';') {
            let (key, value) = part
                .split_once('=')
                .ok_or("a rule is KEY=VALUE parts separated by ';'")?;
            let slot_taken = match key {
                "FREQ" => freq.replace(value).is_some(),
                "INTERVAL" => interval.replace(parse_interval(value)?).is_some(),
                "BYDAY" => by_day.replace(parse_days(value)?).is_some(),
                "BYMONTHDAY" => by_month_day.replace(parse_month_day(value)?).is_some(),
                _ => {
                    return Err(
                        "only FREQ, INTERVAL, BYDAY (weekly) and BYMONTHDAY (monthly) are supported",
                    );
                }
            };
            if slot_taken {
                return Err("a rule names each part once");
            }
        }
        let frequency = match freq {
            Some("DAILY") if by_day.is_none() && by_month_day.is_none() => Frequency::Daily,
            Some("WEEKLY") if by_month_day.is_none() => {
                Frequency::Weekly(by_day.unwrap_or_default())
            }
            Some("MONTHLY") if by_day.is_none() => Frequency::Monthly(by_month_day),
            Some("DAILY" | "WEEKLY" | "MONTHLY") => {
                return Err("BYDAY goes with FREQ=WEEKLY, BYMONTHDAY with FREQ=MONTHLY");
            }
            Some(_) => return Err("FREQ is DAILY, WEEKLY or MONTHLY"),
            None => return Err("a rule needs FREQ"),
        };
        Ok(Self {
            frequency,
            interval: interval.unwrap_or(1),
        })
    }

    /// The first occurrence after `due` (the occurrence just completed) that is also after
    /// `today` (the user's local date): completing an overdue daily task schedules
    /// tomorrow, not a date already past.
    pub fn next_occurrence(&self, due: Date, today: Date) -> Option<Date> {
        let mut next = self.step(due, due)?;
        for _ in 0..MAX_CATCH_UP_STEPS {
            if next > today {
                return Some(next);
            }
            next = self.step(next, due)?;
        }
        // A series years behind: continue it from today instead of walking every step.
        self.step(today, due)
    }

    /// The occurrence after `from`; `anchor` supplies the default weekday or month day.
    fn step(&self, from: Date, anchor: Date) -> Option<Date> {
        let interval = i64::from(self.interval);
        match &self.frequency {
            Frequency::Daily => from.checked_add(Duration::days(interval)),
            Frequency::Weekly(days) => {
                let days: Vec<u8> = if days.is_empty() {
                    vec![anchor.weekday().number_days_from_monday()]
                } else {
                    days.iter().map(|d| d.number_days_from_monday()).collect()
                };
                let today = from.weekday().number_days_from_monday();
                if let Some(later) = days.iter().copied().filter(|d| *d > today).min() {
                    return from.checked_add(Duration::days(i64::from(later - today)));
                }
                let first = days.iter().copied().min()?;
                let week_start = from.checked_sub(Duration::days(i64::from(today)))?;
                week_start.checked_add(Duration::days(7 * interval + i64::from(first)))
            }
            Frequency::Monthly(day) => {
                let day = day.unwrap_or_else(|| anchor.day());
                if from.day() < day
                    && let Ok(same) = Date::from_calendar_date(from.year(), from.month(), day)
                {
                    return Some(same);
                }
                let mut months =
                    i64::from(from.year()) * 12 + i64::from(u8::from(from.month()) - 1);
                // Every month has days 1..=28; day 29..=31 repeats within 4 years at most.
                for _ in 0..48 {
                    months += interval;
                    let year = i32::try_from(months.div_euclid(12)).ok()?;
                    let month =
                        Month::try_from(u8::try_from(months.rem_euclid(12) + 1).ok()?).ok()?;
                    if let Ok(date) = Date::from_calendar_date(year, month, day) {
                        return Some(date);
                    }
                }
                None
            }
        }
    }
}

fn parse_interval(value: &str) -> Result<u8, &'static str> {
    value
        .parse::<u8>()
        .ok()
        .filter(|n| (1..=99).contains(n))
        .ok_or("INTERVAL is a whole number from 1 to 99")
}

fn parse_days(value: &str) -> Result<Vec<Weekday>, &'static str> {
    let mut days = Vec::new();
    for code in value.split(',') {
        let day = match code {
            "MO" => Weekday::Monday,
            "TU" => Weekday::Tuesday,
            "WE" => Weekday::Wednesday,
            "TH" => Weekday::Thursday,
            "FR" => Weekday::Friday,
            "SA" => Weekday::Saturday,
            "SU" => Weekday::Sunday,
            _ => return Err("BYDAY lists days as MO,TU,WE,TH,FR,SA,SU"),
        };
        if !days.contains(&day) {
            days.push(day);
        }
    }
    Ok(days)
}

fn parse_month_day(value: &str) -> Result<u8, &'static str> {
    value
        .parse::<u8>()
        .ok()
        .filter(|n| (1..=31).contains(n))
        .ok_or("BYMONTHDAY is a day from 1 to 31")
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn rules_parse_or_say_why_not() {
        assert_eq!(
            Recurrence::parse("FREQ=DAILY").unwrap(),
            Recurrence {
                frequency: Frequency::Daily,
                interval: 1
            }
        );
        assert_eq!(
            Recurrence::parse("RRULE:INTERVAL=2;FREQ=WEEKLY;BYDAY=FR,MO").unwrap(),
            Recurrence {
                frequency: Frequency::Weekly(vec![Weekday::Friday, Weekday::Monday]),
                interval: 2
            }
        );
        for bad in [
            "",
            "FREQ=YEARLY",
            "FREQ=DAILY;COUNT=3",
            "FREQ=DAILY;BYDAY=MO",
            "FREQ=MONTHLY;BYMONTHDAY=32",
            "FREQ=WEEKLY;BYDAY=XX",
            "FREQ=DAILY;INTERVAL=0",
            "FREQ=DAILY;FREQ=DAILY",
            "INTERVAL=2",
            "freq=daily",
        ] {
            assert!(Recurrence::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn next_occurrences_follow_the_rule() {
        let today = date!(2026 - 12 - 01);
        let cases = [
            // (rule, due, expected next)
            ("FREQ=DAILY", date!(2026 - 12 - 05), date!(2026 - 12 - 06)),
            (
                "FREQ=DAILY;INTERVAL=3",
                date!(2026 - 12 - 05),
                date!(2026 - 12 - 08),
            ),
            // overdue: the first occurrence after today
            ("FREQ=DAILY", date!(2026 - 11 - 20), date!(2026 - 12 - 02)),
            // Saturday 5 Dec -> Monday 7 Dec; Monday -> Wednesday
            (
                "FREQ=WEEKLY;BYDAY=MO,WE",
                date!(2026 - 12 - 05),
                date!(2026 - 12 - 07),
            ),
            (
                "FREQ=WEEKLY;BYDAY=MO,WE",
                date!(2026 - 12 - 07),
                date!(2026 - 12 - 09),
            ),
            // every other week: Wednesday 9 Dec -> Monday 21 Dec
            (
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE",
                date!(2026 - 12 - 09),
                date!(2026 - 12 - 21),
            ),
            ("FREQ=WEEKLY", date!(2026 - 12 - 05), date!(2026 - 12 - 12)),
            (
                "FREQ=MONTHLY;BYMONTHDAY=15",
                date!(2026 - 12 - 05),
                date!(2026 - 12 - 15),
            ),
            (
                "FREQ=MONTHLY;BYMONTHDAY=15",
                date!(2026 - 12 - 15),
                date!(2027 - 01 - 15),
            ),
            // months without a 31st are skipped
            (
                "FREQ=MONTHLY;BYMONTHDAY=31",
                date!(2027 - 01 - 31),
                date!(2027 - 03 - 31),
            ),
            ("FREQ=MONTHLY", date!(2026 - 12 - 31), date!(2027 - 01 - 31)),
            (
                "FREQ=MONTHLY;BYMONTHDAY=29",
                date!(2027 - 01 - 29),
                date!(2027 - 03 - 29),
            ),
        ];
        for (rule, due, expected) in cases {
            let next = Recurrence::parse(rule).unwrap().next_occurrence(due, today);
            assert_eq!(next, Some(expected), "{rule} after {due}");
        }
    }

    #[test]
    fn a_series_years_behind_continues_after_today() {
        let rule = Recurrence::parse("FREQ=DAILY").unwrap();
        let today = date!(2026 - 12 - 01);
        assert_eq!(
            rule.next_occurrence(date!(1990 - 01 - 01), today),
            Some(date!(2026 - 12 - 02))
        );
        assert_eq!(rule.next_occurrence(Date::MAX, today), None);
    }

    proptest::proptest! {
        #[test]
        fn every_stated_rule_parses(
            rule in crate::validate::tests::admitted_by(STATED_RULE_PATTERN)
        ) {
            proptest::prop_assert!(Recurrence::parse(&rule).is_ok(), "{}", rule);
        }
    }
}
