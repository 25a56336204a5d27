//! PII redaction for free text (notes): finds e-mail addresses, phone numbers, US social
//! security numbers, payment card numbers, IP addresses and street addresses, and replaces
//! each with a marker such as `[EMAIL]`.
//!
//! The detectors run in a fixed order (email, phone, SSN, credit card, IP address, street
//! address). Every detector proposes candidates independently; overlapping candidates are
//! resolved deterministically: the **longer** match wins, between equally long matches the
//! type **earlier** in that order wins, and a character is never redacted twice. Offsets
//! reported to callers ([`PiiEntity`]) count **Unicode scalar values (chars)** of the
//! *original* text, never bytes; [`find_pii`] reports byte ranges for callers that splice
//! text themselves.
//!
//! The detectors favour privacy but try hard not to annoy a practitioner: dates
//! (`2024-01-15`), times (`10:30`), prices (`$1,234.56`) and short numbers stay untouched,
//! a card number must pass the Luhn check and an IPv4 quad must be 0–255. The known
//! limits are listed in `docs/crm/notes.md`.

mod checks;
mod detect;

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

/// A kind of personal data the redactor knows.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PiiType {
    /// An e-mail address.
    Email,
    /// A phone number (US formats, international `+`/`00` and national trunk-`0` formats).
    Phone,
    /// A US social security number `ddd-dd-dddd`.
    Ssn,
    /// A payment card number (13–19 digits, Luhn-valid).
    CreditCard,
    /// An IPv4 or IPv6 address.
    IpAddress,
    /// A street address (house number, street name, street suffix).
    Address,
}

impl PiiType {
    /// Every type, in detection (and tie-break) order.
    pub const ALL: [Self; 6] = [
        Self::Email,
        Self::Phone,
        Self::Ssn,
        Self::CreditCard,
        Self::IpAddress,
        Self::Address,
    ];

    /// The text that replaces a match of this type.
    pub const fn marker(self) -> &'static str {
        match self {
            Self::Email => "[EMAIL]",
            Self::Phone => "[PHONE]",
            Self::Ssn => "[SSN]",
            Self::CreditCard => "[CREDIT_CARD]",
            Self::IpAddress => "[IP_ADDRESS]",
            Self::Address => "[ADDRESS]",
        }
    }
}

/// One redacted span of the original text. Never carries the value itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PiiEntity {
    /// What was found.
    #[serde(rename = "type")]
    pub kind: PiiType,
    /// First character (Unicode scalar value, 0-based) of the match in the original text.
    pub start: usize,
    /// One past the last character of the match in the original text.
    pub end: usize,
}

/// One match as a byte range of the original text (see [`find_pii`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiiMatch {
    /// What was found.
    pub kind: PiiType,
    /// Byte range in the original text (always on `char` boundaries).
    pub range: Range<usize>,
}

/// The outcome of [`redact`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Redacted {
    /// The text with every match replaced by its marker.
    pub text: String,
    /// The matches, in text order, with character offsets into the original text.
    pub entities: Vec<PiiEntity>,
}

/// Finds every piece of PII in `text`: non-overlapping, sorted by position, byte ranges.
pub fn find_pii(text: &str) -> Vec<PiiMatch> {
    let mut candidates = Vec::new();
    for kind in PiiType::ALL {
        detect::candidates(kind, text, &mut candidates);
    }
    resolve_overlaps(candidates)
}

/// Replaces every piece of PII in `text` by its marker.
pub fn redact(text: &str) -> Redacted {
    let matches = find_pii(text);
    if matches.is_empty() {
        return Redacted {
            text: text.to_owned(),
            entities: Vec::new(),
        };
    }
    let mut out = String::with_capacity(text.len());
    let mut entities = Vec::with_capacity(matches.len());
    let (mut byte_pos, mut char_pos) = (0, 0);
    for m in matches {
        let before = &text[byte_pos..m.range.start];
        out.push_str(before);
        let start = char_pos + before.chars().count();
        let end = start + text[m.range.clone()].chars().count();
        out.push_str(m.kind.marker());
        entities.push(PiiEntity {
            kind: m.kind,
            start,
            end,
        });
        byte_pos = m.range.end;
        char_pos = end;
    }
    out.push_str(&text[byte_pos..]);
    Redacted {
        text: out,
        entities,
    }
}

/// Keeps the longest candidates (ties: earlier type, then earlier position) that do not
/// overlap an already kept one, and returns them in text order.
fn resolve_overlaps(mut candidates: Vec<PiiMatch>) -> Vec<PiiMatch> {
    candidates.sort_by(|a, b| {
        b.range
            .len()
            .cmp(&a.range.len())
            .then(a.kind.cmp(&b.kind))
            .then(a.range.start.cmp(&b.range.start))
    });
    // start -> (end, kind) of kept matches; they never overlap, so the kept match with
    // the greatest start before a candidate's end is the only one that can overlap it.
    let mut kept: BTreeMap<usize, (usize, PiiType)> = BTreeMap::new();
    for c in candidates {
        if c.range.is_empty() {
            continue;
        }
        let overlaps = kept
            .range(..c.range.end)
            .next_back()
            .is_some_and(|(_, (end, _))| *end > c.range.start);
        if !overlaps {
            kept.insert(c.range.start, (c.range.end, c.kind));
        }
    }
    kept.into_iter()
        .map(|(start, (end, kind))| PiiMatch {
            kind,
            range: start..end,
        })
        .collect()
}

#[cfg(test)]
mod complexity_tests;
#[cfg(test)]
mod tests;
