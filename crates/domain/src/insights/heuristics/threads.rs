//! `thread_summary`: a contact's latest email threads, and whether the practitioner owes
//! a reply (the last message came in and has waited over a day).

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Computed, plural};

/// Threads the summary shows (the latest by their last message).
pub const MAX_THREADS: usize = 5;
/// Hours an inbound message may wait before the practitioner owes a reply.
pub const REPLY_OWED_AFTER_HOURS: i64 = 24;

/// Who wrote a thread's last message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastFrom {
    /// The client (the message came in).
    Client,
    /// The practitioner (the message went out).
    Practitioner,
    /// Not recorded (an email logged by hand).
    Unknown,
}

impl LastFrom {
    /// From the `direction` the Gmail normaliser records (`inbound`, `outbound`).
    pub fn of_direction(direction: &str) -> Self {
        match direction {
            "inbound" => Self::Client,
            "outbound" => Self::Practitioner,
            _ => Self::Unknown,
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Practitioner => "practitioner",
            Self::Unknown => "unknown",
        }
    }
}

/// One email thread with a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSignals {
    /// The subject of its latest message, as written.
    pub subject: Option<String>,
    /// Messages in it.
    pub messages: u32,
    /// Its first message.
    pub first_at: OffsetDateTime,
    /// Its last message.
    pub last_at: OffsetDateTime,
    /// Who wrote the last message.
    pub last_from: LastFrom,
}

/// The subject without its reply and forward prefixes (`Re: Fwd: RE:`), trimmed; `None`
/// when nothing is left.
pub fn thread_subject(subject: Option<&str>) -> Option<String> {
    let mut s = subject?.trim();
    loop {
        let lower = s.get(..4).map(str::to_ascii_lowercase);
        let cut = match lower.as_deref() {
            Some("fwd:") => 4,
            _ => match s.get(..3).map(str::to_ascii_lowercase).as_deref() {
                Some("re:" | "fw:" | "aw:") => 3,
                _ => break,
            },
        };
        s = s[cut..].trim_start();
    }
    (!s.is_empty()).then(|| s.to_owned())
}

/// Whether the practitioner owes a reply in `t` at `now`.
pub fn reply_owed(t: &ThreadSignals, now: OffsetDateTime) -> bool {
    t.last_from == LastFrom::Client && (now - t.last_at).whole_hours() >= REPLY_OWED_AFTER_HOURS
}

/// The `thread_summary` insight of a contact's threads (latest first; at most
/// [`MAX_THREADS`] are shown); `None` without any email.
pub fn thread_summary(
    threads: &[ThreadSignals],
    contact_id: uuid::Uuid,
    now: OffsetDateTime,
) -> Option<Computed> {
    let mut threads: Vec<&ThreadSignals> = threads.iter().collect();
    threads.sort_by_key(|t| std::cmp::Reverse(t.last_at));
    threads.truncate(MAX_THREADS);
    if threads.is_empty() {
        return None;
    }
    let shown: Vec<Value> = threads
        .iter()
        .map(|t| {
            json!({
                "subject": thread_subject(t.subject.as_deref()),
                "messages": t.messages,
                "firstOn": t.first_at.date().to_string(),
                "lastOn": t.last_at.date().to_string(),
                "lastFrom": t.last_from.as_str(),
                "replyOwed": reply_owed(t, now),
            })
        })
        .collect();
    let owed: Vec<&&ThreadSignals> = threads.iter().filter(|t| reply_owed(t, now)).collect();
    let label = |t: &ThreadSignals| {
        thread_subject(t.subject.as_deref())
            .map_or_else(|| "(no subject)".to_owned(), |s| format!("“{s}”"))
    };
    let title = match owed.as_slice() {
        [] => format!(
            "{} with this client",
            plural(threads.len() as u32, "email thread", "email threads")
        ),
        [one] => format!("Reply owed: {}", label(one)),
        many => format!("Replies owed in {} threads", many.len()),
    };
    let lines: Vec<String> = threads
        .iter()
        .map(|t| {
            let who = match t.last_from {
                LastFrom::Client => "last from the client",
                LastFrom::Practitioner => "last from you",
                LastFrom::Unknown => "last sender not recorded",
            };
            let span = if t.first_at.date() == t.last_at.date() {
                format!("on {}", t.last_at.date())
            } else {
                format!("{} to {}", t.first_at.date(), t.last_at.date())
            };
            let owed = if reply_owed(t, now) {
                format!("; awaiting your reply since {}", t.last_at.date())
            } else {
                String::new()
            };
            format!(
                "{}: {}, {span}, {who}{owed}.",
                label(t),
                plural(t.messages, "message", "messages")
            )
        })
        .collect();
    let priority = if owed.is_empty() { "low" } else { "high" };
    let actions: Vec<Value> = owed
        .iter()
        .map(|t| {
            json!({
                "type": "create_task",
                "label": format!("Reply to {}", label(t)),
                "metadata": {"title": format!("Reply to {}", label(t)), "priority": "high", "contactId": contact_id},
            })
        })
        .collect();
    let props = json!({ "threads": shown, "repliesOwed": owed.len() });
    Some(Computed {
        content: json!({
            "title": title,
            "summary": lines.join(" "),
            "confidence": 1.0,
            "priority": priority,
            "props": props,
            "actions": actions,
        }),
        inputs: props,
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-12-06 12:00 UTC);

    fn thread(
        subject: &str,
        messages: u32,
        first_h: i64,
        last_h: i64,
        from: LastFrom,
    ) -> ThreadSignals {
        ThreadSignals {
            subject: Some(subject.to_owned()),
            messages,
            first_at: NOW - time::Duration::hours(first_h),
            last_at: NOW - time::Duration::hours(last_h),
            last_from: from,
        }
    }

    #[test]
    fn subjects_lose_their_reply_and_forward_prefixes() {
        let table: &[(Option<&str>, Option<&str>)] = &[
            (Some("Re: Session times"), Some("Session times")),
            (
                Some("RE: re:Fwd: FW: Session times "),
                Some("Session times"),
            ),
            (Some("Aw: Termin"), Some("Termin")),
            (Some("Reschedule"), Some("Reschedule")),
            (Some("Re:"), None),
            (Some("   "), None),
            (None, None),
        ];
        for &(raw, want) in table {
            assert_eq!(thread_subject(raw).as_deref(), want, "{raw:?}");
        }
    }

    #[test]
    fn a_reply_is_owed_when_the_client_wrote_last_over_a_day_ago() {
        // (last from, hours since the last message) → owed
        let table: &[(LastFrom, i64, bool)] = &[
            (LastFrom::Client, 25, true),
            (LastFrom::Client, 24, true),
            (LastFrom::Client, 23, false),
            (LastFrom::Practitioner, 200, false),
            (LastFrom::Unknown, 200, false),
        ];
        for &(from, hours, owed) in table {
            assert_eq!(
                reply_owed(&thread("x", 1, hours, hours, from), NOW),
                owed,
                "{from:?} {hours}h"
            );
        }
    }

    #[test]
    fn the_summary_lists_the_latest_threads_and_the_replies_owed() {
        let id = uuid::Uuid::nil();
        assert_eq!(thread_summary(&[], id, NOW), None);
        let threads = [
            thread("Re: Invoice", 2, 24 * 20, 24 * 19, LastFrom::Practitioner),
            thread("Re: Session times", 4, 24 * 5, 48, LastFrom::Client),
        ];
        let got = thread_summary(&threads, id, NOW).unwrap();
        let c = &got.content;
        assert_eq!(c["title"], "Reply owed: “Session times”");
        assert_eq!(c["priority"], "high");
        assert_eq!(c["props"]["repliesOwed"], 1);
        assert_eq!(c["props"]["threads"][0]["subject"], "Session times");
        assert_eq!(c["props"]["threads"][0]["messages"], 4);
        assert_eq!(c["props"]["threads"][0]["firstOn"], "2026-12-01");
        assert_eq!(c["props"]["threads"][0]["lastOn"], "2026-12-04");
        assert_eq!(c["props"]["threads"][0]["lastFrom"], "client");
        assert_eq!(c["props"]["threads"][1]["replyOwed"], false);
        assert_eq!(
            c["summary"],
            "“Session times”: 4 messages, 2026-12-01 to 2026-12-04, last from the client; \
             awaiting your reply since 2026-12-04. “Invoice”: 2 messages, 2026-11-16 to \
             2026-11-17, last from you."
        );
        assert_eq!(c["actions"][0]["label"], "Reply to “Session times”");

        // Answered: nothing owed, another fingerprint.
        let answered = [
            threads[0].clone(),
            thread("Re: Session times", 5, 24 * 5, 1, LastFrom::Practitioner),
        ];
        let after = thread_summary(&answered, id, NOW).unwrap();
        assert_eq!(after.content["title"], "2 email threads with this client");
        assert_eq!(after.content["priority"], "low");
        assert_ne!(after.inputs, got.inputs);
        // The same threads an hour later: the same inputs (no new insight).
        let later = thread_summary(&threads, id, NOW + time::Duration::hours(1)).unwrap();
        assert_eq!(later.inputs, got.inputs);
    }

    #[test]
    fn at_most_five_threads_are_shown_latest_first() {
        let threads: Vec<ThreadSignals> = (0..8)
            .map(|i| {
                thread(
                    &format!("T{i}"),
                    1,
                    100 + i,
                    100 + i,
                    LastFrom::Practitioner,
                )
            })
            .collect();
        let got = thread_summary(&threads, uuid::Uuid::nil(), NOW).unwrap();
        let shown = got.content["props"]["threads"].as_array().unwrap();
        assert_eq!(shown.len(), 5);
        assert_eq!(shown[0]["subject"], "T0");
        assert_eq!(shown[4]["subject"], "T4");
        assert_eq!(got.content["title"], "5 email threads with this client");
    }
}
