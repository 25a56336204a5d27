//! Deterministic suggestions for inbox captures: what a quick capture such as
//! "Call Ana tomorrow, urgent" suggests before anyone (or any AI) looks at it.
//!
//! * [`parse_due_date`]: a due date from phrases such as "today", "tomorrow",
//!   "next Friday", "in 3 days" or "end of month", relative to the user's local today
//!   (compute it with [`crate::local_date`] in the user's time zone).
//! * [`priority_hint`] and [`zone_hint`]: a task priority and a life zone from words.
//! * [`split_capture`]: one task draft per line (or bullet) of a multi-line capture, each
//!   with its own suggestions.
//!
//! Every function is pure and runs in time linear in the length of its input: the text
//! is tokenised once and each rule looks at most four words ahead. The inbox routes call
//! these; an AI provider, when configured, may refine the result.
//!
//! ```
//! use omnicrm_domain::inbox_rules::{parse_due_date, priority_hint, split_capture};
//! use omnicrm_domain::entities::productivity::TaskPriority;
//! use time::macros::date;
//!
//! let today = date!(2026 - 03 - 11); // a Wednesday
//! let due = parse_due_date("Send invoices next Friday", today).unwrap();
//! assert_eq!(due.date, date!(2026 - 03 - 20));
//! assert_eq!(due.phrase, "next Friday");
//! assert_eq!(priority_hint("URGENT: call the landlord"), Some(TaskPriority::High));
//! let drafts = split_capture("- book massage room tomorrow\n- order oils", today);
//! assert_eq!(drafts.len(), 2);
//! assert_eq!(drafts[0].name, "book massage room");
//! ```

mod dates;
mod hints;
mod split;
mod words;

#[cfg(test)]
mod tests;

pub use dates::{DueDate, parse_due_date};
pub use hints::{ZoneHint, priority_hint, zone_hint};
pub use split::{MAX_DRAFTS, MAX_NAME_CHARS, TaskDraft, split_capture};
