//! Tokenising a capture once: lower-cased words with their byte ranges.

use std::ops::Range;

/// A word of the text: its lower-cased form and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    /// Lower-cased letters, digits, `-` and `'` (an ISO date stays one word).
    pub(crate) text: String,
    /// Byte range in the original text.
    pub(crate) span: Range<usize>,
}

/// The words of `text`, in order, in one pass.
pub(crate) fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (at, c) in text.char_indices() {
        if c.is_alphanumeric() || c == '-' || c == '\'' {
            let (_, word) = current.get_or_insert_with(|| (at, String::new()));
            word.extend(c.to_lowercase());
        } else if let Some((start, word)) = current.take() {
            push(&mut out, start, at, &word);
        }
    }
    if let Some((start, word)) = current.take() {
        push(&mut out, start, text.len(), &word);
    }
    out
}

fn push(out: &mut Vec<Word>, start: usize, end: usize, word: &str) {
    // Dashes around a word are punctuation ("- buy oils", "today-"), inside they join.
    let trimmed = word.trim_matches('-');
    if trimmed.is_empty() {
        return;
    }
    let lead = word.len() - word.trim_start_matches('-').len();
    let tail = word.len() - word.trim_end_matches('-').len();
    out.push(Word {
        text: trimmed.to_owned(),
        span: start + lead..end - tail,
    });
}
