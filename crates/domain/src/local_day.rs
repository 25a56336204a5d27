//! The user's calendar day: instants turned into local dates in the user's IANA time zone
//! (`user_profiles.timezone`), so "today", a completion's day and a streak follow the
//! user's wall clock, daylight-saving changes and the date line included.

use std::str::FromStr;

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use time::{Date, Duration, OffsetDateTime};

/// An IANA time zone (re-exported so callers need not depend on `chrono-tz`).
pub type Zone = Tz;

/// The zone named `name`, or UTC when the name is unknown (profiles only ever store names
/// `chrono-tz` knows; UTC keeps an old or hand-edited row usable).
pub fn zone(name: &str) -> Tz {
    Tz::from_str(name).unwrap_or(Tz::UTC)
}

/// The local calendar date of the instant `at` in `tz`.
pub fn local_date(at: OffsetDateTime, tz: Tz) -> Date {
    let offset = tz
        .offset_from_utc_datetime(&utc_naive(at))
        .fix()
        .local_minus_utc();
    (at + Duration::seconds(i64::from(offset))).date()
}

/// `at` as chrono's naive UTC date-time (second precision is enough to find the offset).
fn utc_naive(at: OffsetDateTime) -> chrono::NaiveDateTime {
    let utc = at.to_offset(time::UtcOffset::UTC);
    chrono::DateTime::from_timestamp(utc.unix_timestamp(), 0)
        .unwrap_or_default()
        .naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn the_same_instant_is_a_different_day_on_either_side_of_the_date_line() {
        // 2026-01-15 10:30 UTC: 23:30 in Auckland (UTC+13 in summer), 00:30 in Honolulu
        // (UTC-10): the same calendar date by two different routes.
        let at = datetime!(2026-01-15 10:30 UTC);
        assert_eq!(
            local_date(at, zone("Pacific/Auckland")),
            date!(2026 - 01 - 15)
        );
        assert_eq!(
            local_date(at, zone("Pacific/Honolulu")),
            date!(2026 - 01 - 15)
        );
        // An hour later it is the 16th in Auckland and still the 15th in Honolulu.
        let later = datetime!(2026-01-15 11:30 UTC);
        assert_eq!(
            local_date(later, zone("Pacific/Auckland")),
            date!(2026 - 01 - 16)
        );
        assert_eq!(
            local_date(later, zone("Pacific/Honolulu")),
            date!(2026 - 01 - 15)
        );
    }

    #[test]
    fn daylight_saving_moves_midnight() {
        // New York springs forward on 2026-03-08: 04:30 UTC is 23:30 on the 7th (EST),
        // 04:30 UTC on the 9th is 00:30 on the 9th (EDT).
        let ny = zone("America/New_York");
        assert_eq!(
            local_date(datetime!(2026-03-08 04:30 UTC), ny),
            date!(2026 - 03 - 07)
        );
        assert_eq!(
            local_date(datetime!(2026-03-09 04:30 UTC), ny),
            date!(2026 - 03 - 09)
        );
    }

    #[test]
    fn unknown_zones_fall_back_to_utc() {
        assert_eq!(zone("Mars/Olympus_Mons"), Tz::UTC);
        assert_eq!(zone("Europe/Paris"), Tz::Europe__Paris);
    }
}
