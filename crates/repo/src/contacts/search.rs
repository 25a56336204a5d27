//! The `search` of the contact list as SQL: substring matches (ILIKE, escaped), the digits
//! of a phone number, and typo-tolerant matches by trigram word similarity, plus the
//! relevance used to rank them.
//!
//! Under `FORCE ROW LEVEL SECURITY` none of these operators can use an index for the
//! serving role (they are not `LEAKPROOF`, see ADR 0002 §8), so a search evaluates them on
//! every contact of the tenant. `word_similarity` dominates that cost, so it only runs
//! behind a cheap, sound prefilter (see [`Prefilter`]); docs/crm/contacts.md has the
//! measurements.

use std::collections::BTreeSet;

use diesel::sql_types::Text;

use crate::sql::SqlBuilder;
use crate::text::contains_pattern;

/// `word_similarity` at or above this counts as a (typo-tolerant) match.
pub const SIMILARITY_THRESHOLD: f32 = 0.5;
/// Terms need this many letters or digits before near misses count: shorter terms
/// share trigrams with too many names.
const FUZZY_MIN_ALNUM: usize = 4;
/// Longer terms skip the prefilter (its SQL grows with the term).
const PREFILTER_MAX_TRIGRAMS: usize = 40;
/// A phone-like term needs this many digits before it is compared with phone digits.
const PHONE_MIN_DIGITS: usize = 3;
/// What people type between the digits of a phone number.
const PHONE_PUNCTUATION: &str = " +-().";

/// A parsed search term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactSearch {
    term: String,
    like_pattern: String,
    phone_digits: Option<String>,
    fuzzy: Option<Fuzzy>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Fuzzy {
    prefilter: Option<Prefilter>,
}

/// A necessary condition for `word_similarity(term, text) >= 0.5` that costs a few
/// `strpos` calls instead of a trigram comparison.
///
/// `word_similarity` divides the number of the term's trigrams found in `text` by the
/// number `n` of the term's distinct trigrams, so a match needs at least `ceil(n / 2)` of
/// them in `text`. A trigram can only be in `text` if its *core* (the trigram without
/// pg_trgm's padding blanks: `" sm"` → `"sm"`) is a substring of `lower(text)`. Counting
/// the trigrams whose core occurs therefore never undercounts, and rows below the bound
/// cannot match. Only built for ASCII terms, where this module extracts exactly the
/// trigrams pg_trgm does (words are runs of letters and digits, lower-cased, padded with
/// two blanks in front and one behind).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Prefilter {
    /// One core per distinct trigram (cores may repeat: `" aa"` and `"aa "`).
    cores: Vec<String>,
    /// How many cores must occur.
    required: usize,
}

/// The SQL of a search, with its values bound.
#[derive(Debug, Clone)]
pub struct SearchSql {
    /// Extra `FROM` item the match condition needs (empty when none).
    pub from_item: String,
    /// Whether a contact matches.
    pub matches: String,
    /// Rank of a matching contact: 1 for a substring or phone-digit match, plus the best
    /// word similarity of name and email local part (0..=1).
    pub relevance: String,
}

impl ContactSearch {
    /// Parses a trimmed, non-empty term.
    pub fn new(term: &str) -> Self {
        let term = term.trim().to_owned();
        let alnum = term.chars().filter(|c| c.is_alphanumeric()).count();
        let phone_digits = phone_digits(&term);
        // Near misses of a number are other numbers: phone-like terms match digits only.
        let fuzzy = (alnum >= FUZZY_MIN_ALNUM && phone_digits.is_none()).then(|| Fuzzy {
            prefilter: Prefilter::for_term(&term),
        });
        Self {
            like_pattern: contains_pattern(&term),
            phone_digits,
            fuzzy,
            term,
        }
    }

    /// Binds the values into `b` and returns the SQL fragments (over the alias `c`).
    pub fn to_sql(&self, b: &mut SqlBuilder) -> SearchSql {
        let pattern = b.bind::<Text, _>(self.like_pattern.clone());
        let mut substring = vec![
            format!("c.display_name ILIKE {pattern}"),
            format!("c.primary_email ILIKE {pattern}"),
            format!("c.primary_phone ILIKE {pattern}"),
        ];
        if let Some(digits) = &self.phone_digits {
            let digits = b.bind::<Text, _>(format!("%{digits}%"));
            // translate() strips the usual punctuation at a fraction of regexp_replace's cost.
            substring.push(format!(
                "translate(c.primary_phone, '{PHONE_PUNCTUATION}', '') LIKE {digits}"
            ));
        }
        let substring = substring.join(" OR ");
        let term = b.bind::<Text, _>(self.term.clone());
        let name_similarity = format!("word_similarity({term}, c.display_name)");
        let email_similarity =
            format!("word_similarity({term}, split_part(c.primary_email, '@', 1))");
        let relevance = format!(
            "((CASE WHEN {substring} THEN 1 ELSE 0 END) + greatest({name_similarity}, {email_similarity}))"
        );
        let Some(fuzzy) = &self.fuzzy else {
            return SearchSql {
                from_item: String::new(),
                matches: format!("({substring})"),
                relevance,
            };
        };
        let threshold = SIMILARITY_THRESHOLD;
        let similar =
            format!("({name_similarity} >= {threshold} OR {email_similarity} >= {threshold})");
        let (from_item, fuzzy_sql) = match &fuzzy.prefilter {
            Some(prefilter) => {
                let hits: Vec<String> = prefilter
                    .cores
                    .iter()
                    .map(|core| {
                        let core = b.bind::<Text, _>(core.clone());
                        format!("(strpos(h.haystack, {core}) > 0)::int")
                    })
                    .collect();
                (
                    // A function in FROM runs once per row; the haystack is used many times.
                    " CROSS JOIN LATERAL lower(c.display_name || ' ' || \
                     coalesce(split_part(c.primary_email, '@', 1), '')) AS h(haystack)"
                        .to_owned(),
                    format!(
                        "(({}) >= {} AND {similar})",
                        hits.join(" + "),
                        prefilter.required
                    ),
                )
            }
            None => (String::new(), similar),
        };
        SearchSql {
            from_item,
            // Substring tests first: OR stops at the first true arm.
            matches: format!("({substring} OR {fuzzy_sql})"),
            relevance,
        }
    }
}

impl Prefilter {
    fn for_term(term: &str) -> Option<Self> {
        if !term.is_ascii() {
            return None;
        }
        let trigrams = trigrams(term);
        if trigrams.is_empty() || trigrams.len() > PREFILTER_MAX_TRIGRAMS {
            return None;
        }
        Some(Self {
            required: trigrams.len().div_ceil(2),
            cores: trigrams
                .iter()
                .map(|t| t.trim_matches(' ').to_owned())
                .collect(),
        })
    }
}

/// pg_trgm's trigrams of an ASCII string: every run of letters and digits, lower-cased
/// and padded as `"  word "`, cut into overlapping triples; distinct.
fn trigrams(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .flat_map(|word| {
            let padded: Vec<char> = format!("  {} ", word.to_ascii_lowercase())
                .chars()
                .collect();
            padded
                .windows(3)
                .map(|w| w.iter().collect::<String>())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The digits of a term that looks like (part of) a phone number.
fn phone_digits(term: &str) -> Option<String> {
    let phone_like = term
        .chars()
        .all(|c| c.is_ascii_digit() || PHONE_PUNCTUATION.contains(c));
    let digits: String = term.chars().filter(char::is_ascii_digit).collect();
    (phone_like && digits.len() >= PHONE_MIN_DIGITS).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn trigrams_match_pg_trgm() {
        // SELECT show_trgm('smiht') → {"  s"," sm","ht ",iht,mih,smi}
        assert_eq!(
            trigrams("smiht"),
            set(&["  s", " sm", "ht ", "iht", "mih", "smi"])
        );
        // SELECT show_trgm('Jo-Ann') → {"  a","  j"," an"," jo",ann,"jo ","nn "}
        assert_eq!(
            trigrams("Jo-Ann"),
            set(&["  a", "  j", " an", " jo", "ann", "jo ", "nn "])
        );
        assert!(trigrams("--").is_empty());
    }

    #[test]
    fn prefilter_needs_half_the_trigrams_and_keeps_repeated_cores() {
        let p = Prefilter::for_term("smiht").unwrap();
        assert_eq!(p.required, 3);
        assert_eq!(p.cores.len(), 6);
        // " aa" and "aa " share the core "aa": both must be counted.
        let aa = Prefilter::for_term("aa").unwrap();
        assert_eq!(aa.cores.iter().filter(|c| c.as_str() == "aa").count(), 2);
        assert_eq!(Prefilter::for_term("Zoë"), None);
    }

    /// The prefilter must never drop a row that word_similarity would keep: check it
    /// against a direct computation of word similarity's upper bound.
    #[test]
    fn prefilter_is_a_necessary_condition() {
        let texts = [
            "Anna Smith",
            "anna.smith12",
            "Jonathan Lee",
            "Smitty Werben",
            "Al",
        ];
        for term in ["smiht", "smith", "jonathon", "werbenjagermanjensen", "alan"] {
            let Some(p) = Prefilter::for_term(term) else {
                continue;
            };
            let t = trigrams(term);
            for text in texts {
                let present = t.intersection(&trigrams(text)).count();
                let hits = p
                    .cores
                    .iter()
                    .filter(|core| text.to_ascii_lowercase().contains(core.as_str()))
                    .count();
                assert!(hits >= present, "{term} in {text}: {hits} < {present}");
            }
        }
    }

    #[test]
    fn short_terms_are_not_fuzzy_and_phone_terms_compare_digits() {
        assert!(ContactSearch::new("ann").fuzzy.is_none());
        assert!(ContactSearch::new("anne").fuzzy.is_some());
        assert!(ContactSearch::new("555-0143").fuzzy.is_none());
        assert_eq!(
            ContactSearch::new("(555) 123").phone_digits.as_deref(),
            Some("555123")
        );
        assert_eq!(ContactSearch::new("55").phone_digits, None);
        assert_eq!(ContactSearch::new("ann 555").phone_digits, None);
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(ContactSearch::new("50%").like_pattern, r"%50\%%");
    }
}
