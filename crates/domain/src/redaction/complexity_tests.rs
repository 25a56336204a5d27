//! Every detector is linear in its input: the time for 100 KB of an adversarial shape is
//! at most about 15 times the time for 10 KB of the same shape (a quadratic detector
//! shows about 100 times, the old international phone pattern far more). Only a ratio of
//! two timings in one run is asserted, never an absolute time; each timing is the thread's
//! CPU time (not wall time) and the minimum of several runs, so that a busy machine does
//! not fail the test.

use super::{PiiType, detect};
use crate::cpu_timing;

const SMALL: usize = 10 * 1024;
const LARGE: usize = 100 * 1024;
const MAX_RATIO: f64 = 15.0;

/// Units repeated to fill the input: long digit runs with separators, many `@`, long
/// dotted labels, colon runs, house numbers without a street, and the same with
/// non-ASCII letters (which move the regex engine off its fastest path).
const UNITS: &[&str] = &[
    // phones: the `00` prefix and `+` with growing digit groups, US and national shapes
    "001 ",
    "00 1 ",
    "+1 ",
    "+1 1",
    "+1-2.",
    "+44 (0) ",
    "(1) ",
    "1 ",
    "1-",
    "555-",
    "555 123 ",
    "0151 ",
    "030/",
    "0",
    "9",
    // SSNs and cards
    "123-45-",
    "4111 ",
    "4111-1111-",
    "4111 1111 1111 1111 ",
    // e-mail: many `@`, long local parts and dotted labels, a TLD followed by dashes
    "a@",
    "@a",
    "a.",
    "a@b.",
    "a@b.c",
    "a@b.cc-",
    "a-",
    "a+b",
    "ö@",
    "é.",
    // IP addresses
    "1.",
    "1.1.1.1.",
    "255.",
    "1:",
    "::",
    "a:",
    "fe80::1 ",
    "1:1.",
    // street addresses: house numbers and words without a suffix, function words
    "1 a ",
    "12 Main ",
    "1 the st ",
    "1 st ",
    "a ",
    "1\t",
    "1 ä ",
    // mixed
    "a1@2.3:4 -5 ",
];

fn repeated(unit: &str, len: usize) -> String {
    unit.repeat(len.div_ceil(unit.len()))
}

/// 10 KB against 100 KB of `text_of(len)`, for every detector; returns the failures.
fn ratios(name: &str, text_of: impl Fn(usize) -> String) -> Vec<String> {
    let (small, large) = (text_of(SMALL), text_of(LARGE));
    let mut failures = Vec::new();
    for kind in PiiType::ALL {
        let ratio = cpu_timing::growth(&small, &large, MAX_RATIO, |text| {
            let mut out = Vec::new();
            detect::candidates(kind, text, &mut out);
            std::hint::black_box(out);
        });
        if ratio > MAX_RATIO {
            failures.push(format!("{kind:?} on {name:?}: x{ratio:.1}"));
        }
    }
    failures
}

#[test]
fn every_detector_is_linear_on_adversarial_shapes() {
    let mut failures = Vec::new();
    for unit in UNITS {
        failures.extend(ratios(unit, |len| repeated(unit, len)));
    }
    // Shapes that are not one repeated unit: a house number before a long word, a long
    // local part before one `@`, a digit run after `+`.
    failures.extend(ratios("1 + long word + st", |len| {
        format!("1 {} st", "a".repeat(len))
    }));
    failures.extend(ratios("long local part + @", |len| {
        format!("{}@b.cc", "a.".repeat(len / 2))
    }));
    failures.extend(ratios("+ digit run", |len| format!("+{}", "1".repeat(len))));
    assert!(failures.is_empty(), "superlinear:\n{}", failures.join("\n"));
}
