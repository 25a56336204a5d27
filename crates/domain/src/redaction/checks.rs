//! The confirmations behind the patterns: checksums, ranges and word lists.

use std::net::Ipv6Addr;

/// The Luhn checksum over the digits of `s` (separators ignored).
pub(super) fn luhn_valid(s: &str) -> bool {
    let mut sum = 0u32;
    let mut double = false;
    for d in s
        .bytes()
        .rev()
        .filter(u8::is_ascii_digit)
        .map(|b| u32::from(b - b'0'))
    {
        sum += if double {
            if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
        } else {
            d
        };
        double = !double;
    }
    sum.is_multiple_of(10)
}

/// Every dotted part is 0..=255.
pub(super) fn ipv4_octets_valid(s: &str) -> bool {
    s.split('.')
        .all(|octet| octet.parse::<u16>().is_ok_and(|v| v <= 255))
}

/// A real IPv6 address with enough substance to be somebody's address: `::1`, `::` or
/// `a::b` (and `12:30::`, which is a time more often than an address) are left alone; an
/// address needs three non-empty groups or one group of three or more hex digits, and at
/// least one decimal digit (so that words like `dead::beef:cafe` stay prose).
pub(super) fn plausible_ipv6(s: &str) -> bool {
    // The longest textual IPv6 address (with an embedded IPv4 quad) has 45 characters.
    if s.len() > 45 || !s.bytes().any(|b| b.is_ascii_digit()) || s.parse::<Ipv6Addr>().is_err() {
        return false;
    }
    let groups: Vec<&str> = s.split(':').filter(|g| !g.is_empty()).collect();
    groups.len() >= 3 || groups.iter().any(|g| g.len() >= 3)
}

/// Words that never form a street name: what follows a number in ordinary sentences
/// ("5 miles down the road", "3 sessions with Dr Lee").
const NOT_STREET_WORDS: &[&str] = &[
    "a", "about", "across", "after", "along", "an", "and", "are", "around", "at", "be", "been",
    "before", "but", "by", "down", "for", "from", "had", "has", "have", "he", "her", "his", "i",
    "in", "into", "is", "it", "its", "me", "my", "near", "of", "off", "on", "onto", "or", "our",
    "out", "over", "past", "per", "she", "than", "that", "the", "their", "them", "then", "these",
    "they", "this", "those", "through", "to", "under", "up", "us", "via", "was", "we", "were",
    "with", "you", "your",
];

/// Units and counted things that follow a number and are not a street name.
const COUNTED_WORDS: &[&str] = &[
    "appointment",
    "appointments",
    "block",
    "blocks",
    "class",
    "classes",
    "client",
    "clients",
    "cup",
    "cups",
    "day",
    "days",
    "g",
    "glass",
    "glasses",
    "hour",
    "hours",
    "hr",
    "hrs",
    "kg",
    "kgs",
    "km",
    "kms",
    "l",
    "lap",
    "laps",
    "lb",
    "lbs",
    "m",
    "mg",
    "mile",
    "miles",
    "min",
    "mins",
    "minute",
    "minutes",
    "ml",
    "month",
    "months",
    "oz",
    "patient",
    "patients",
    "people",
    "person",
    "pound",
    "pounds",
    "rep",
    "reps",
    "session",
    "sessions",
    "set",
    "sets",
    "step",
    "steps",
    "time",
    "times",
    "visit",
    "visits",
    "week",
    "weeks",
    "x",
    "year",
    "years",
    "yr",
    "yrs",
];

/// The words between the house number and the suffix look like a street name: none is a
/// function word, and the first is not a unit or counted thing.
pub(super) fn street_words_plausible(candidate: &str) -> bool {
    let mut words = candidate.split_whitespace();
    words.next(); // the house number
    let middle: Vec<String> = words
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    // The last word is the suffix.
    let Some((_, names)) = middle.split_last() else {
        return false;
    };
    if names.is_empty() {
        return false;
    }
    if COUNTED_WORDS.contains(&names[0].as_str()) {
        return false;
    }
    !names.iter().any(|w| NOT_STREET_WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_test_cards_and_rejects_typos() {
        assert!(luhn_valid("4111 1111 1111 1111"));
        assert!(luhn_valid("5500-0000-0000-0004"));
        assert!(luhn_valid("378282246310005"));
        assert!(!luhn_valid("4111 1111 1111 1112"));
    }

    #[test]
    fn ipv6_needs_substance() {
        assert!(plausible_ipv6("fe80::1"));
        assert!(plausible_ipv6("2001:db8:85a3::8a2e:370:7334"));
        assert!(!plausible_ipv6("::1"));
        assert!(!plausible_ipv6("12:30::"));
        assert!(!plausible_ipv6("10:30:45"));
        assert!(!plausible_ipv6("dead::beef:cafe"));
    }
}
