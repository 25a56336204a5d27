//! The `search` of the contact list as SQL: substring matches (ILIKE, escaped), the digits
//! of a phone number, and typo-tolerant matches by trigram word similarity, plus the
//! relevance used to rank them.
//!
//! A search with a term that has a trigram reads `tenant_contact_candidates(..)`, a
//! definer function that returns the session tenant's contacts passing the search's index
//! conditions on `contacts_search_idx`, a `(user_id, trigrams)` GIN index over
//! `search_document` (name, email, phone and the phone's digits, lower-cased, one field
//! per unit separator). Each kind of match is such a condition on that document, which
//! only narrows the candidates, AND the exact per-field test, which decides on the
//! function's rows (ADR 0005, ADR 0011). Other searches read `contacts` under row-level
//! security.

use diesel::sql_types::Text;

use crate::sql::SqlBuilder;
use crate::text::contains_pattern;

/// `word_similarity` at or above this counts as a (typo-tolerant) match.
pub const SIMILARITY_THRESHOLD: f32 = 0.5;
/// Sets pg_trgm's threshold for `<%` to [`SIMILARITY_THRESHOLD`] for the rest of the
/// transaction. Run it before a search: the index condition of a near miss is
/// `term <% search_document`, which must let through every contact whose name or email
/// local part reaches the threshold.
pub const SET_SIMILARITY_THRESHOLD: &str =
    "SELECT set_config('pg_trgm.word_similarity_threshold', '0.5', true)";
/// Terms need this many letters or digits before near misses count: shorter terms
/// share trigrams with too many names.
const FUZZY_MIN_ALNUM: usize = 4;
/// The index serves a term only if it has this many ASCII letters or digits in a row: a
/// `LIKE` pattern without a trigram makes a GIN scan read the whole trigram column (about
/// a second at 1M contacts), and non-ASCII letters may not count as letters for pg_trgm
/// in the C locale.
const INDEX_MIN_RUN: usize = 3;
/// Separates the fields of `search_document` (U+001F, see migration 000160).
const FIELD_SEPARATOR: char = '\u{1f}';
/// A phone-like term needs this many digits before it is compared with phone digits.
const PHONE_MIN_DIGITS: usize = 3;
/// What people type between the digits of a phone number.
const PHONE_PUNCTUATION: &str = " +-().";

/// A parsed search term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactSearch {
    term: String,
    indexable: bool,
    like_pattern: String,
    phone_digits: Option<String>,
    fuzzy: bool,
    /// The term lower-cased, when it is one ASCII word: equal to a word of a field, its
    /// word similarity with that field is 1 without computing it.
    whole_word: Option<String>,
    /// Whether the substring test may run on `search_document` instead of each field: the
    /// term has a character that is not a digit (so it cannot lie in the digits field) and
    /// no unit separator (so it cannot span two fields).
    document_exact: bool,
}

/// The SQL of a search, with its values bound.
#[derive(Debug, Clone)]
pub struct SearchSql {
    /// The tenant's contacts passing a necessary condition that `contacts_search_idx`
    /// answers (a call of `tenant_contact_candidates`, to read `FROM`), when the term has
    /// a trigram; `None`: the search tests each of the tenant's contacts.
    pub candidates: Option<String>,
    /// Whether a candidate matches.
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
        let fuzzy = alnum >= FUZZY_MIN_ALNUM && phone_digits.is_none();
        let longest_run = term
            .split(|c: char| !c.is_ascii_alphanumeric())
            .map(str::len)
            .max()
            .unwrap_or(0);
        let lower = term.to_ascii_lowercase();
        let whole_word = (!lower.is_empty()
            && lower
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        .then_some(lower);
        Self {
            indexable: longest_run >= INDEX_MIN_RUN,
            document_exact: term.chars().any(|c| !c.is_ascii_digit())
                && !term.contains(FIELD_SEPARATOR),
            whole_word,
            like_pattern: contains_pattern(&term),
            phone_digits,
            fuzzy,
            term,
        }
    }

    /// Binds the values into `b` and returns the SQL fragments (over the alias `c`, a row
    /// of `contacts`).
    ///
    /// `search_document` is `lower(name ␟ email ␟ phone ␟ digits)`, so every match is also
    /// a match of [`SearchSql::candidates`] on the document, which the index answers;
    /// [`SearchSql::matches`] then decides as docs/crm/contacts.md describes.
    pub fn to_sql(&self, b: &mut SqlBuilder) -> SearchSql {
        let pattern = b.bind::<Text, _>(self.like_pattern.clone());
        let in_document = format!("c.search_document LIKE lower({pattern})");
        let mut digits_candidate = "NULL".to_owned();
        let mut near_candidate = "NULL".to_owned();
        // A substring of the name, email or phone. On the document when that is the same
        // test (one LIKE on lower-cased text instead of three ILIKEs).
        let mut exact = vec![if self.document_exact {
            in_document
        } else {
            format!(
                "c.display_name ILIKE {pattern} OR c.primary_email ILIKE {pattern} \
                 OR c.primary_phone ILIKE {pattern}"
            )
        }];
        if let Some(digits) = &self.phone_digits {
            let digits = b.bind::<Text, _>(format!("%{digits}%"));
            digits_candidate.clone_from(&digits);
            // translate() strips the usual punctuation at a fraction of regexp_replace's cost.
            exact.push(format!(
                "translate(c.primary_phone, '{PHONE_PUNCTUATION}', '') LIKE {digits}"
            ));
        }
        let exact = exact.join(" OR ");
        let term = b.bind::<Text, _>(self.term.clone());
        let name_similarity = format!("word_similarity({term}, c.display_name)");
        let email_similarity =
            format!("word_similarity({term}, split_part(c.primary_email, '@', 1))");
        let best_similarity = format!("greatest({name_similarity}, {email_similarity})");
        let best_similarity = match &self.whole_word {
            Some(word) => {
                let word = b.bind::<Text, _>(word.clone());
                format!("CASE WHEN {word} = ANY(c.search_words) THEN 1 ELSE {best_similarity} END")
            }
            None => best_similarity,
        };
        let relevance = format!("((CASE WHEN {exact} THEN 1 ELSE 0 END) + {best_similarity})");
        let mut matches = exact;
        if self.fuzzy {
            // word_similarity(term, document) is at least that of the name and of the
            // email's local part (both are runs of the document's words), so `<%` at the
            // same threshold keeps every near miss.
            let threshold = SIMILARITY_THRESHOLD;
            near_candidate.clone_from(&term);
            matches.push_str(&format!(
                " OR {name_similarity} >= {threshold} OR {email_similarity} >= {threshold}"
            ));
        }
        SearchSql {
            candidates: self.indexable.then(|| {
                format!(
                    "tenant_contact_candidates(lower({pattern}), {digits_candidate}, {near_candidate})"
                )
            }),
            matches: format!("({matches})"),
            relevance,
        }
    }
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

    #[test]
    fn short_terms_are_not_fuzzy_and_phone_terms_compare_digits() {
        assert!(!ContactSearch::new("ann").fuzzy);
        assert!(ContactSearch::new("anne").fuzzy);
        assert!(!ContactSearch::new("555-0143").fuzzy);
        assert_eq!(
            ContactSearch::new("(555) 123").phone_digits.as_deref(),
            Some("555123")
        );
        assert_eq!(ContactSearch::new("55").phone_digits, None);
        assert_eq!(ContactSearch::new("ann 555").phone_digits, None);
    }

    #[test]
    fn the_index_threshold_is_the_match_threshold() {
        assert!(SET_SIMILARITY_THRESHOLD.contains(&format!("'{SIMILARITY_THRESHOLD}'")));
    }

    #[test]
    fn only_terms_with_a_trigram_use_the_index() {
        for term in ["garcia", "ann", "555-0143", "jo ann"] {
            assert!(ContactSearch::new(term).indexable, "{term}");
        }
        for term in ["an", "a b", "Zoë", "55-5", "%_"] {
            assert!(!ContactSearch::new(term).indexable, "{term}");
        }
    }

    #[test]
    fn the_document_and_whole_word_shortcuts_apply_only_where_they_are_exact() {
        let name = ContactSearch::new("Garcia");
        assert!(name.document_exact);
        assert_eq!(name.whole_word.as_deref(), Some("garcia"));
        // Digits alone may lie in the digits field: test each field.
        assert!(!ContactSearch::new("5550143").document_exact);
        assert!(!ContactSearch::new("a\u{1f}b").document_exact);
        // Several words, or letters pg_trgm may split differently: compute the similarity.
        assert_eq!(ContactSearch::new("ava garcia").whole_word, None);
        assert_eq!(ContactSearch::new("garcía").whole_word, None);
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(ContactSearch::new("50%").like_pattern, r"%50\%%");
    }
}
