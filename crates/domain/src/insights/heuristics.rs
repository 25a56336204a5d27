//! The insights computed without a model, as pure functions of a contact's (or the
//! practice's) figures, so the maths is tested on its own.
//!
//! Every result carries the figures it used (`props`). The insight's fingerprint hashes
//! those figures, so they are chosen to change only when the insight would say
//! something else: recency is a band, not a day count, and the last contact is a date.

pub mod duplicates;
pub mod threads;

use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

/// Version of these formulas, stamped on every heuristic insight (`promptVersion`).
pub const HEURISTICS_VERSION: &str = "heuristics-1";

/// Days without contact after which a client needs re-engaging.
pub const QUIET_AFTER_DAYS: i64 = 30;

/// The latest decision on data-processing consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentState {
    /// Granted.
    Granted,
    /// Refused (or withdrawn).
    Refused,
    /// Never asked.
    Missing,
}

/// What the heuristics know about one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactSignals {
    /// The latest interaction or note.
    pub last_contact_at: Option<OffsetDateTime>,
    /// Interactions and notes in the last 90 days.
    pub touches_90d: u32,
    /// The contact has an email address or a phone number.
    pub reachable: bool,
    /// Linked tasks not done or cancelled.
    pub open_tasks: u32,
    /// Open tasks whose due date has passed.
    pub overdue_tasks: u32,
    /// Data-processing consent.
    pub consent: ConsentState,
}

/// Whole days from `last` to `now` (`None`: never).
pub fn days_since(last: Option<OffsetDateTime>, now: OffsetDateTime) -> Option<i64> {
    last.map(|at| (now - at).whole_days().max(0))
}

/// A recency band: what the lead score and next best action react to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recency {
    /// Within a week.
    Week,
    /// Within two weeks.
    Fortnight,
    /// Within 30 days.
    Month,
    /// Within 60 days.
    TwoMonths,
    /// Within 90 days.
    Quarter,
    /// Longer ago.
    Lapsed,
    /// No contact recorded.
    Never,
}

impl Recency {
    /// The band of `days` since the last contact.
    pub fn of(days: Option<i64>) -> Self {
        match days {
            None => Self::Never,
            Some(d) if d <= 7 => Self::Week,
            Some(d) if d <= 14 => Self::Fortnight,
            Some(d) if d <= QUIET_AFTER_DAYS => Self::Month,
            Some(d) if d <= 60 => Self::TwoMonths,
            Some(d) if d <= 90 => Self::Quarter,
            Some(_) => Self::Lapsed,
        }
    }

    /// Points of the lead score (0..=50).
    pub fn points(self) -> u32 {
        match self {
            Self::Week => 50,
            Self::Fortnight => 40,
            Self::Month => 30,
            Self::TwoMonths => 15,
            Self::Quarter => 5,
            Self::Lapsed | Self::Never => 0,
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Week => "week",
            Self::Fortnight => "fortnight",
            Self::Month => "month",
            Self::TwoMonths => "two_months",
            Self::Quarter => "quarter",
            Self::Lapsed => "lapsed",
            Self::Never => "never",
        }
    }
}

/// Points for frequency: 5 per touch in 90 days, at most 40.
pub fn frequency_points(touches_90d: u32) -> u32 {
    touches_90d.saturating_mul(5).min(40)
}

/// A lead score: 0..=100 with its band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadScore {
    /// Recency (0..=50) + frequency (0..=40) + reachability (10).
    pub score: u32,
    /// `high` (≥ 70), `medium` (≥ 40) or `low`.
    pub band: &'static str,
}

/// The lead score of a contact.
pub fn lead_score(s: &ContactSignals, now: OffsetDateTime) -> LeadScore {
    let recency = Recency::of(days_since(s.last_contact_at, now));
    let score =
        recency.points() + frequency_points(s.touches_90d) + if s.reachable { 10 } else { 0 };
    let band = match score {
        70.. => "high",
        40..=69 => "medium",
        _ => "low",
    };
    LeadScore { score, band }
}

/// A computed insight: its content, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    /// `{title, summary, confidence, priority, props, actions}`.
    pub content: Value,
    /// What the fingerprint hashes (changes only when the insight would).
    pub inputs: Value,
}

fn date_of(at: Option<OffsetDateTime>) -> Value {
    at.map_or(Value::Null, |at| Value::String(at.date().to_string()))
}

/// The `lead_score` insight.
pub fn lead_score_insight(s: &ContactSignals, now: OffsetDateTime) -> Computed {
    let recency = Recency::of(days_since(s.last_contact_at, now));
    let LeadScore { score, band } = lead_score(s, now);
    let priority = match band {
        "high" => "high",
        "medium" => "medium",
        _ => "low",
    };
    let inputs = json!({
        "score": score,
        "band": band,
        "recency": recency.as_str(),
        "touches90d": s.touches_90d,
        "reachable": s.reachable,
    });
    let content = json!({
        "title": format!("Lead score {score} ({band})"),
        "summary": format!(
            "{} in the last 90 days; last contact: {}.",
            plural(s.touches_90d, "touch", "touches"),
            recency_words(recency),
        ),
        "confidence": 1.0,
        "priority": priority,
        "props": {
            "score": score,
            "band": band,
            "recency": recency.as_str(),
            "touches90d": s.touches_90d,
            "reachable": s.reachable,
            "lastContactOn": date_of(s.last_contact_at),
        },
        "actions": [],
    });
    Computed { content, inputs }
}

/// The `next_best_action` insight, when there is something to do: re-engage a quiet
/// client (> 30 days, or never), finish overdue or open tasks, or keep going with a
/// client seen this week.
pub fn next_best_action(
    s: &ContactSignals,
    contact_id: uuid::Uuid,
    now: OffsetDateTime,
) -> Option<Computed> {
    let days = days_since(s.last_contact_at, now);
    let recency = Recency::of(days);
    let (rule, title, priority) = match recency {
        Recency::Never => (
            "first_contact",
            "Reach out for a first session".to_owned(),
            "high",
        ),
        _ if days.is_some_and(|d| d > QUIET_AFTER_DAYS) => (
            "re_engage",
            "Re-engage: no contact for over 30 days".to_owned(),
            "high",
        ),
        _ if s.overdue_tasks > 0 => (
            "overdue_tasks",
            format!(
                "Catch up on {}",
                plural(s.overdue_tasks, "overdue task", "overdue tasks")
            ),
            "high",
        ),
        _ if s.open_tasks > 0 => (
            "open_tasks",
            format!(
                "Follow up on {}",
                plural(s.open_tasks, "open task", "open tasks")
            ),
            "medium",
        ),
        Recency::Week => (
            "continue",
            "Keep the momentum: seen this week".to_owned(),
            "low",
        ),
        _ => return None,
    };
    let actions = match rule {
        "first_contact" | "re_engage" => json!([{
            "type": "create_task",
            "label": "Create a check-in task",
            "metadata": {"title": "Check in", "priority": priority, "contactId": contact_id},
        }]),
        _ => json!([]),
    };
    let inputs = json!({
        "rule": rule,
        "recency": recency.as_str(),
        "openTasks": s.open_tasks,
        "overdueTasks": s.overdue_tasks,
    });
    Some(Computed {
        content: json!({
            "title": title,
            "summary": format!(
                "Last contact: {}; {} ({} overdue).",
                recency_words(recency),
                plural(s.open_tasks, "open task", "open tasks"),
                s.overdue_tasks,
            ),
            "confidence": 0.8,
            "priority": priority,
            "props": {
                "rule": rule,
                "recency": recency.as_str(),
                "lastContactOn": date_of(s.last_contact_at),
                "openTasks": s.open_tasks,
                "overdueTasks": s.overdue_tasks,
            },
            "actions": actions,
        }),
        inputs,
    })
}

/// The `consent_gap` insight, when the client has no granted data-processing consent.
pub fn consent_gap(s: &ContactSignals) -> Option<Computed> {
    let (state, title, priority) = match s.consent {
        ConsentState::Granted => return None,
        ConsentState::Missing => ("missing", "No data-processing consent on file", "urgent"),
        ConsentState::Refused => ("refused", "Data-processing consent was refused", "high"),
    };
    Some(Computed {
        content: json!({
            "title": title,
            "summary": "Record the client's data-processing consent before keeping notes \
                        or sending messages.",
            "confidence": 1.0,
            "priority": priority,
            "props": {"consent": state, "consentType": "data_processing"},
            "actions": [],
        }),
        inputs: json!({"consent": state}),
    })
}

/// What the weekly digest counts, over the week starting `week_start` (a Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestSignals {
    /// Monday of the week (UTC).
    pub week_start: Date,
    /// Contacts created this week.
    pub new_contacts: u32,
    /// Interactions this week.
    pub interactions: u32,
    /// Notes written this week.
    pub notes: u32,
    /// Tasks completed this week.
    pub tasks_completed: u32,
    /// Open tasks past their due date.
    pub overdue_tasks: u32,
    /// Contacts whose last contact is over 30 days ago (or never, once a week old).
    pub quiet_contacts: u32,
    /// Contacts without a granted data-processing consent.
    pub consent_gaps: u32,
}

/// The `weekly_digest` insight of the practice.
pub fn weekly_digest(d: &DigestSignals) -> Computed {
    let inputs = json!({
        "weekStart": d.week_start.to_string(),
        "newContacts": d.new_contacts,
        "interactions": d.interactions,
        "notes": d.notes,
        "tasksCompleted": d.tasks_completed,
        "overdueTasks": d.overdue_tasks,
        "quietContacts": d.quiet_contacts,
        "consentGaps": d.consent_gaps,
    });
    let priority = if d.overdue_tasks > 0 || d.consent_gaps > 0 {
        "medium"
    } else {
        "low"
    };
    let summary = format!(
        "{}, {} and {} this week; {} completed. {} overdue, {} quiet for over 30 days, {} \
         without data-processing consent.",
        plural(d.new_contacts, "new contact", "new contacts"),
        plural(d.interactions, "interaction", "interactions"),
        plural(d.notes, "note", "notes"),
        plural(d.tasks_completed, "task", "tasks"),
        plural(d.overdue_tasks, "task", "tasks"),
        plural(d.quiet_contacts, "client", "clients"),
        plural(d.consent_gaps, "client", "clients"),
    );
    Computed {
        content: json!({
            "title": format!("Week of {}", d.week_start),
            "summary": summary,
            "confidence": 1.0,
            "priority": priority,
            "props": inputs,
            "actions": [],
        }),
        inputs,
    }
}

/// Monday of `now`'s ISO week (UTC).
pub fn week_start(now: OffsetDateTime) -> Date {
    let date = now.date();
    date - time::Duration::days(i64::from(date.weekday().number_days_from_monday()))
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn recency_words(r: Recency) -> &'static str {
    match r {
        Recency::Week => "this week",
        Recency::Fortnight => "within two weeks",
        Recency::Month => "within a month",
        Recency::TwoMonths => "one to two months ago",
        Recency::Quarter => "two to three months ago",
        Recency::Lapsed => "over three months ago",
        Recency::Never => "never",
    }
}

#[cfg(test)]
mod tests;
