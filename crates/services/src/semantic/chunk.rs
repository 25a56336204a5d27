//! Cutting an item's text into overlapping chunks of words, each short enough for the
//! model's 256-token window, so the end of a long note is found as well as its start.

/// Words per chunk (about 200 tokens of English; the model reads at most 256).
pub const CHUNK_WORDS: usize = 160;
/// Words a chunk shares with the one before it, so a sentence cut at a boundary is whole
/// in one of them.
pub const OVERLAP_WORDS: usize = 32;
/// Most chunks of one item: a 100,000-character document is found by its first ~8,000
/// words (the full-text search still covers all of it).
pub const MAX_CHUNKS: usize = 64;

/// One chunk of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk<'a> {
    /// Its position among the item's chunks.
    pub index: usize,
    /// Where it starts in the text, in characters.
    pub start: usize,
    /// Its text (a slice of the original, whitespace inside kept).
    pub text: &'a str,
}

/// The chunks of `text`, in order: none for blank text. Linear in the text's length.
pub fn chunks(text: &str) -> Vec<Chunk<'_>> {
    // (byte start, byte end, char start) of each word.
    let mut words: Vec<(usize, usize, usize)> = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    for (chars, (byte, c)) in text.char_indices().enumerate() {
        if c.is_whitespace() {
            if let Some((start, char_start)) = current.take() {
                words.push((start, byte, char_start));
            }
        } else if current.is_none() {
            current = Some((byte, chars));
        }
    }
    if let Some((start, char_start)) = current {
        words.push((start, text.len(), char_start));
    }
    let mut out = Vec::new();
    let step = CHUNK_WORDS - OVERLAP_WORDS;
    let mut first = 0;
    while first < words.len() && out.len() < MAX_CHUNKS {
        let last = (first + CHUNK_WORDS).min(words.len()) - 1;
        out.push(Chunk {
            index: out.len(),
            start: words[first].2,
            text: &text[words[first].0..words[last].1],
        });
        if last + 1 == words.len() {
            break;
        }
        first += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_text_has_no_chunks_and_short_text_one() {
        assert!(chunks("  \n ").is_empty());
        assert_eq!(
            chunks("  Can't sleep,\n anxious "),
            vec![Chunk {
                index: 0,
                start: 2,
                text: "Can't sleep,\n anxious"
            }]
        );
    }

    #[test]
    fn long_text_overlaps_and_starts_are_characters() {
        let text: String = (0..400).map(|i| format!("wörd{i} ")).collect();
        let parts = chunks(&text);
        assert_eq!(parts.len(), 3);
        assert!(parts[0].text.starts_with("wörd0 ") && parts[0].text.ends_with("wörd159"));
        assert!(parts[1].text.starts_with("wörd128 "));
        assert!(parts[2].text.ends_with("wörd399"));
        let start: String = text.chars().skip(parts[1].start).take(7).collect();
        assert_eq!(start, "wörd128");
    }

    #[test]
    fn the_number_of_chunks_is_bounded() {
        let text = "word ".repeat(100_000);
        assert_eq!(chunks(&text).len(), MAX_CHUNKS);
    }
}
