//! One candidate finder per [`PiiType`]: a regular expression proposes, a check in code
//! confirms (Luhn, octet ranges, word lists, digit counts). Patterns are compiled once.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::checks;
use super::{PiiMatch, PiiType};

#[expect(
    clippy::expect_used,
    reason = "constant patterns; every one is compiled by the unit tests"
)]
fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("PII pattern compiles")
}

/// `local@domain.tld` with Unicode letters. No rejection path follows, so the unbounded
/// repetitions cost one linear scan.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\w[\w.%+'-]*@[\p{L}\p{N}][\p{L}\p{N}-]*(?:\.[\p{L}\p{N}][\p{L}\p{N}-]*)*\.\p{L}{2,}\b",
    )
});

/// US numbers with separators, optionally `+1`/`1` first: `(555) 123-4567`,
/// `555.123.4567`, `+1 555 123 4567`; or ten bare digits starting 2–9.
static PHONE_US: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?:\+1[ .-]?|\b1[ .-])?(?:\(\d{3}\)[ .-]?|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b|\b[2-9]\d{9}\b",
    )
});

/// International numbers: `+` or `00`, a country code, digit groups separated by a space,
/// dot or dash, optionally one parenthesised group: `+44 (0) 20 7946 0958`, `+4915112345678`.
/// E.164 numbers have at most 15 digits, so at most 15 digits and 15 groups are read: an
/// unbounded pattern here read a whole run of `001 001 …` for every `00` in it (cubic).
static PHONE_INTL: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"(?:\+|\b00)[1-9][0-9]{0,14}(?:(?:[ .-]|[ .-]?\([0-9]{1,4}\)[ .-]?)[0-9]{1,15}){0,14}")
});

/// National numbers with a trunk `0` and an area code of at least three digits:
/// `020 7946 0958`, `0151 12345678`, `030/123456`.
static PHONE_NATIONAL: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\b0[1-9]\d{1,3}(?:[ /-]?\d{2,4}){2,3}\b"));

static SSN: LazyLock<Regex> = LazyLock::new(|| compile(r"\b\d{3}-\d{2}-\d{4}\b"));

/// 4-4-4-4(-3) and 4-6-4/5 groups separated by a space or dash, or 13–19 bare digits.
static CARD: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{4}(?:[ -]\d{3})?|\d{4}[ -]\d{6}[ -]\d{4,5}|\d{13,19})\b",
    )
});

static IPV4: LazyLock<Regex> = LazyLock::new(|| compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"));

/// A maximal run of hex digits, colons and dots holding a colon; the standard library's
/// parser decides whether it is an IPv6 address.
static IPV6: LazyLock<Regex> = LazyLock::new(|| compile(r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*"));

/// House number, one to five street-name words, a street suffix (case-insensitive).
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\b\d{1,5}(?:[\t\p{Zs}]+[\p{L}\p{N}][\p{L}\p{N}.'-]*){1,5}?[\t\p{Zs}]+(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|circle|cir|way|place|pl|terrace|parkway|pkwy|highway|hwy|square|sq)\b",
    )
});

/// Appends the candidates of `kind` found in `text` to `out`.
pub(super) fn candidates(kind: PiiType, text: &str, out: &mut Vec<PiiMatch>) {
    let mut push = |range: Range<usize>| out.push(PiiMatch { kind, range });
    match kind {
        PiiType::Email => scan(&EMAIL, text, Some, &mut push),
        PiiType::Phone => {
            scan(&PHONE_US, text, |r| us_phone(text, r), &mut push);
            scan(&PHONE_INTL, text, |r| intl_phone(text, r), &mut push);
            scan(
                &PHONE_NATIONAL,
                text,
                |r| national_phone(text, r),
                &mut push,
            );
        }
        PiiType::Ssn => scan(&SSN, text, |r| not_glued(text, r, "-"), &mut push),
        PiiType::CreditCard => scan(&CARD, text, |r| card(text, r), &mut push),
        PiiType::IpAddress => {
            scan(&IPV4, text, |r| ipv4(text, r), &mut push);
            scan_runs(&IPV6, text, |r| ipv6(text, r), &mut push);
        }
        PiiType::Address => scan(&ADDRESS, text, |r| address(text, r), &mut push),
    }
}

/// Walks the matches of `re`; `check` confirms (possibly narrowing) or rejects each. After
/// a rejection the search resumes one character after the rejected match's start, so a
/// valid match that the rejected one hid is still found. Every pattern given to it has a
/// bounded match length (or, for e-mail, never rejects), so this stays linear in the text
/// length: each character is inside a bounded number of candidate matches.
fn scan(
    re: &Regex,
    text: &str,
    mut check: impl FnMut(Range<usize>) -> Option<Range<usize>>,
    push: &mut impl FnMut(Range<usize>),
) {
    let mut pos = 0;
    while pos <= text.len() {
        let Some(m) = re.find_at(text, pos) else {
            break;
        };
        let next_start = next_char(text, m.start());
        match check(m.range()) {
            Some(found) => {
                pos = found.end.max(next_start);
                push(found);
            }
            None => pos = next_start,
        }
    }
}

/// Like [`scan`] but resumes after the whole match: for patterns of unbounded length whose
/// sub-runs can never be valid on their own.
fn scan_runs(
    re: &Regex,
    text: &str,
    mut check: impl FnMut(Range<usize>) -> Option<Range<usize>>,
    push: &mut impl FnMut(Range<usize>),
) {
    for m in re.find_iter(text) {
        if let Some(found) = check(m.range()) {
            push(found);
        }
    }
}

fn next_char(text: &str, at: usize) -> usize {
    text[at..]
        .chars()
        .next()
        .map_or(text.len() + 1, |c| at + c.len_utf8())
}

fn char_before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

fn char_after(text: &str, at: usize) -> Option<char> {
    text[at..].chars().next()
}

/// Rejects a match that is only part of a longer number: a digit right next to it, or a
/// separator from `seps` followed by a digit (`1.2.3.4.5`, `12-123-45-6789`).
fn not_glued(text: &str, r: Range<usize>, seps: &str) -> Option<Range<usize>> {
    let mut before = text[..r.start].chars().rev();
    let glued_before = match before.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some(c) if seps.contains(c) => before.next().is_some_and(|d| d.is_ascii_digit()),
        _ => false,
    };
    let mut after = text[r.end..].chars();
    let glued_after = match after.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some(c) if seps.contains(c) => after.next().is_some_and(|d| d.is_ascii_digit()),
        _ => false,
    };
    (!glued_before && !glued_after).then_some(r)
}

fn us_phone(text: &str, r: Range<usize>) -> Option<Range<usize>> {
    not_glued(text, r, ".-")
}

fn intl_phone(text: &str, r: Range<usize>) -> Option<Range<usize>> {
    // `C+44…` or `a+1…` is not a phone number written on its own.
    if char_before(text, r.start).is_some_and(|c| c.is_alphanumeric() || c == '+') {
        return None;
    }
    // `00` is the international call prefix, not part of the number.
    let prefix_digits = if text[r.clone()].starts_with("00") {
        2
    } else {
        0
    };
    longest_prefix_of_groups(text, r, |_, digits, next| {
        let digits = digits.saturating_sub(prefix_digits);
        // E.164 allows 15 digits; fewer than 8 is an extension or a count, not a number.
        (8..=15).contains(&digits) && !next.is_some_and(char::is_alphanumeric)
    })
}

fn national_phone(text: &str, r: Range<usize>) -> Option<Range<usize>> {
    let r = not_glued(text, r, ".-/")?;
    longest_prefix_of_groups(text, r, |_, digits, next| {
        (9..=12).contains(&digits) && !next.is_some_and(|c| c.is_ascii_digit())
    })
}

fn card(text: &str, r: Range<usize>) -> Option<Range<usize>> {
    let r = not_glued(text, r, "")?;
    // A card written with groups may be followed by another short group (`… 1111 123`).
    longest_prefix_of_groups(text, r, |candidate, digits, _| {
        (13..=19).contains(&digits) && checks::luhn_valid(candidate)
    })
}

/// Greedy patterns can swallow a number that follows (`+44 20 7946 0958 12 times`): tries
/// the whole match, then drops trailing digit groups one by one, and keeps the longest
/// prefix that `accept` (given the candidate, its ASCII digit count and the character
/// after it) takes. The group ends and digit counts come from one pass over the match.
fn longest_prefix_of_groups(
    text: &str,
    r: Range<usize>,
    accept: impl Fn(&str, usize, Option<char>) -> bool,
) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    let mut group_ends = Vec::new();
    let mut digits = 0;
    for at in r.clone() {
        if bytes[at].is_ascii_digit() {
            digits += 1;
            if at + 1 == r.end || !bytes[at + 1].is_ascii_digit() {
                group_ends.push((at + 1, digits));
            }
        }
    }
    group_ends
        .into_iter()
        .rev()
        .find(|&(end, digits)| accept(&text[r.start..end], digits, char_after(text, end)))
        .map(|(end, _)| r.start..end)
}

fn ipv4(text: &str, r: Range<usize>) -> Option<Range<usize>> {
    let r = not_glued(text, r, ".")?;
    checks::ipv4_octets_valid(&text[r.clone()]).then_some(r)
}

fn ipv6(text: &str, r: Range<usize>) -> Option<Range<usize>> {
    // Sentence punctuation after an address (`… fe80::1.`) is not part of it.
    let mut end = r.end;
    let bytes = text.as_bytes();
    while end > r.start && bytes[end - 1] == b'.' {
        end -= 1;
    }
    if end > r.start + 1 && bytes[end - 1] == b':' && bytes[end - 2] != b':' {
        end -= 1;
    }
    let word = |c: char| c.is_alphanumeric() || c == '_';
    if char_before(text, r.start).is_some_and(word) || char_after(text, end).is_some_and(word) {
        return None;
    }
    checks::plausible_ipv6(&text[r.start..end]).then_some(r.start..end)
}

fn address(text: &str, r: Range<usize>) -> Option<Range<usize>> {
    // `555-123-4567 Main St` is a phone number followed by a street, not house number 4567.
    let r = not_glued(text, r, ".-/")?;
    checks::street_words_plausible(&text[r.clone()]).then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for re in [
            &EMAIL,
            &PHONE_US,
            &PHONE_INTL,
            &PHONE_NATIONAL,
            &SSN,
            &CARD,
            &IPV4,
            &IPV6,
            &ADDRESS,
        ] {
            assert!(!re.as_str().is_empty());
        }
    }
}
