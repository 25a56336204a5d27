//! Splitting a multi-line capture into task drafts.

use time::Date;

use super::dates::parse_due_date;
use super::hints::{ZoneHint, priority_hint, zone_hint};
use crate::entities::productivity::TaskPriority;

/// Most drafts one capture yields (the rest of the lines are ignored).
pub const MAX_DRAFTS: usize = 50;
/// Longest draft name, in characters (longer names are cut).
pub const MAX_NAME_CHARS: usize = 200;

/// A task suggested by one line of a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDraft {
    /// The line without its bullet, its date phrase and surrounding punctuation.
    pub name: String,
    /// Due date from a date phrase in the line.
    pub due_date: Option<Date>,
    /// Priority from the line's words.
    pub priority: Option<TaskPriority>,
    /// Life zone from the line's words.
    pub zone: Option<ZoneHint>,
}

/// One draft per non-blank line of `text` (bullets `-`, `*`, `•`, `[ ]`, `1.` and `1)`
/// removed), at most [`MAX_DRAFTS`]. A one-line capture yields one draft. A line's date
/// phrase becomes its due date and is removed from its name (unless the name would be
/// empty); priority and zone come from the whole line.
pub fn split_capture(text: &str, today: Date) -> Vec<TaskDraft> {
    text.lines()
        .map(strip_bullet)
        .filter(|line| !line.is_empty())
        .take(MAX_DRAFTS)
        .map(|line| draft(line, today))
        .collect()
}

fn draft(line: &str, today: Date) -> TaskDraft {
    let due = parse_due_date(line, today);
    let name = match &due {
        Some(d) => {
            let without = format!("{} {}", &line[..d.span.start], &line[d.span.end..]);
            let cleaned = tidy(&without);
            if cleaned.is_empty() {
                tidy(line)
            } else {
                cleaned
            }
        }
        None => tidy(line),
    };
    TaskDraft {
        name: name.chars().take(MAX_NAME_CHARS).collect(),
        due_date: due.map(|d| d.date),
        priority: priority_hint(line),
        zone: zone_hint(line),
    }
}

/// Collapses whitespace and trims punctuation left dangling at either end.
fn tidy(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let joined = joined
        .replace(" ,", ",")
        .replace(" ;", ";")
        .replace(" :", ":")
        .replace(" .", ".");
    joined
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '.'))
        .to_owned()
}

fn strip_bullet(line: &str) -> &str {
    let mut line = line.trim();
    // "1." or "12)".
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=3).contains(&digits)
        && let Some(rest) = line[digits..]
            .strip_prefix('.')
            .or_else(|| line[digits..].strip_prefix(')'))
    {
        line = rest.trim_start();
    }
    for bullet in ["- [ ]", "* [ ]", "[ ]", "[]", "-", "*", "•", "–"] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return rest.trim();
        }
    }
    line
}
