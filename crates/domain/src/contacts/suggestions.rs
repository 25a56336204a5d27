//! Contact suggestions: people the practitioner meets in calendar events or writes emails
//! with who are not contacts yet. Nothing is stored: a suggestion's id is derived from its email, so the
//! same attendee always has the same id and accepting recomputes the list.

use std::sync::LazyLock;

use garde::Validate;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::entity::Contact;

/// How far back calendar events and emails count, in months.
pub const SUGGESTION_WINDOW_MONTHS: i32 = 6;
/// Event titles kept per suggestion (the most recent distinct ones).
pub const MAX_EVENT_TITLES: usize = 10;
/// Lifecycle stage of a contact created from a suggestion.
pub const SUGGESTED_LIFECYCLE_STAGE: &str = "Prospect";

/// Substrings of an email's local part that mark an automated sender.
pub const SYSTEM_LOCAL_PART_MARKERS: [&str; 10] = [
    "no-reply",
    "noreply",
    "donotreply",
    "do-not-reply",
    "mailer-daemon",
    "postmaster",
    "bounce",
    "nobody",
    "daemon",
    "admin",
];

/// Domains whose addresses are never people: the original's list plus Google Calendar's
/// room, resource and group calendars, which appear as attendees.
pub const SYSTEM_DOMAINS: [&str; 7] = [
    "noreply.com",
    "no-reply.com",
    "mailer-daemon.com",
    "postmaster.com",
    "resource.calendar.google.com",
    "group.calendar.google.com",
    "calendar.google.com",
];

/// Where a suggestion came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionSource {
    /// An attendee of the practitioner's calendar events (also when they emailed too).
    CalendarAttendee,
    /// Only a sender or recipient (`from`, `to`, `cc`) of the practitioner's emails.
    EmailCorrespondent,
}

impl SuggestionSource {
    /// The spelling, also stored as the created contact's `source`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CalendarAttendee => "calendar_attendee",
            Self::EmailCorrespondent => "email_correspondent",
        }
    }

    /// The provider recorded on the email identity of a contact created from it.
    pub const fn identity_provider(self) -> &'static str {
        match self {
            Self::CalendarAttendee => "calendar",
            Self::EmailCorrespondent => "gmail",
        }
    }
}

/// How sure we are that a suggestion is a real client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionConfidence {
    /// 5 or more shared events and emails.
    High,
    /// 2 to 4 shared events and emails.
    Medium,
    /// A single event or email.
    Low,
}

impl SuggestionConfidence {
    /// Confidence for a number of shared events.
    pub const fn for_event_count(count: u32) -> Self {
        match count {
            5.. => Self::High,
            2..=4 => Self::Medium,
            _ => Self::Low,
        }
    }
}

/// One suggested contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactSuggestion {
    /// `sug-` + the first 8 hex digits of sha256(lower-cased email); stable.
    pub id: String,
    /// The attendee's most recent display name, else the email's local part.
    pub display_name: String,
    /// Lower-cased email.
    pub email: String,
    /// Calendar events shared in the window.
    pub event_count: u32,
    /// Emails shared in the window (as sender, recipient or in copy).
    pub email_count: u32,
    /// Start of the most recent shared event, or the date of the most recent email.
    #[serde(with = "crate::timestamp")]
    pub last_event_date: OffsetDateTime,
    /// Up to 10 distinct event titles, most recent first.
    pub event_titles: Vec<String>,
    /// From the event and email counts together.
    pub confidence: SuggestionConfidence,
    /// Where it came from.
    pub source: SuggestionSource,
}

impl ContactSuggestion {
    /// Builds a suggestion from one aggregated attendee.
    pub fn from_attendee(
        email: String,
        display_name: Option<String>,
        event_count: u32,
        last_event_date: OffsetDateTime,
        event_titles: Vec<String>,
    ) -> Self {
        Self::from_person(
            email,
            display_name,
            event_count,
            0,
            last_event_date,
            event_titles,
        )
    }

    /// Builds a suggestion from one person aggregated over events and emails: a calendar
    /// attendee when they shared an event, else an email correspondent.
    pub fn from_person(
        email: String,
        display_name: Option<String>,
        event_count: u32,
        email_count: u32,
        last_event_date: OffsetDateTime,
        event_titles: Vec<String>,
    ) -> Self {
        // Contacts take names of at most 200 characters.
        let display_name: String = display_name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| local_part(&email).to_owned())
            .chars()
            .take(200)
            .collect();
        Self {
            id: suggestion_id(&email),
            display_name,
            confidence: SuggestionConfidence::for_event_count(
                event_count.saturating_add(email_count),
            ),
            email,
            event_count,
            email_count,
            last_event_date,
            event_titles,
            source: if event_count > 0 {
                SuggestionSource::CalendarAttendee
            } else {
                SuggestionSource::EmailCorrespondent
            },
        }
    }
}

/// `sug-` + the first 8 hex digits of sha256 of the trimmed, lower-cased email.
pub fn suggestion_id(email: &str) -> String {
    let normalised = email.trim().to_lowercase();
    let digest = ring::digest::digest(&ring::digest::SHA256, normalised.as_bytes());
    let hex: String = digest
        .as_ref()
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sug-{hex}")
}

/// Whether an address belongs to a machine (no-reply senders, bounces, calendar
/// resources) rather than a person.
pub fn is_system_email(email: &str) -> bool {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.rsplit_once('@').unwrap_or((email.as_str(), ""));
    SYSTEM_LOCAL_PART_MARKERS.iter().any(|m| local.contains(m)) || SYSTEM_DOMAINS.contains(&domain)
}

fn local_part(email: &str) -> &str {
    email.split('@').next().unwrap_or(email)
}

static SUGGESTION_ID: LazyLock<regex::Regex> = LazyLock::new(|| {
    #[expect(clippy::unwrap_used, reason = "constant pattern, covered by tests")]
    regex::Regex::new(r"^sug-[0-9a-f]{8}$").unwrap()
});

/// Body of `POST /contacts/suggestions`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AcceptSuggestions {
    /// 1..=50 suggestion ids (`sug-` + 8 lower-case hex digits).
    #[garde(length(min = 1, max = 50), inner(pattern(SUGGESTION_ID)))]
    pub suggestion_ids: Vec<String>,
}

/// Answer of `POST /contacts/suggestions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedSuggestions {
    /// The contacts created, in the order of the suggestion ids.
    pub items: Vec<Contact>,
    /// Ids that matched no current suggestion (already a contact, ignored, or unknown);
    /// nothing was created for them.
    pub unknown_ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_case_insensitive() {
        let id = suggestion_id("Ann@Example.com ");
        assert_eq!(id, suggestion_id("ann@example.com"));
        assert!(SUGGESTION_ID.is_match(&id), "{id}");
        assert_ne!(id, suggestion_id("bob@example.com"));
        // sha256("ann@example.com") starts with these 8 hex digits.
        let digest = ring::digest::digest(&ring::digest::SHA256, b"ann@example.com");
        assert_eq!(&id[4..6], format!("{:02x}", digest.as_ref()[0]));
    }

    #[test]
    fn confidence_follows_the_event_count() {
        assert_eq!(
            SuggestionConfidence::for_event_count(1),
            SuggestionConfidence::Low
        );
        assert_eq!(
            SuggestionConfidence::for_event_count(2),
            SuggestionConfidence::Medium
        );
        assert_eq!(
            SuggestionConfidence::for_event_count(4),
            SuggestionConfidence::Medium
        );
        assert_eq!(
            SuggestionConfidence::for_event_count(5),
            SuggestionConfidence::High
        );
    }

    #[test]
    fn system_addresses_are_recognised() {
        for system in [
            "noreply@shop.com",
            "no-reply@x.io",
            "Mailer-Daemon@googlemail.com",
            "bounces+123@mail.x.com",
            "sysadmin@clinic.org",
            "anyone@noreply.com",
            "c_188abc@resource.calendar.google.com",
        ] {
            assert!(is_system_email(system), "{system}");
        }
        for person in ["ann@example.com", "replyguy@x.com", "dana@calendar.io"] {
            assert!(!is_system_email(person), "{person}");
        }
    }

    #[test]
    fn display_name_falls_back_to_the_local_part() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let s = ContactSuggestion::from_attendee(
            "ann.lee@x.com".into(),
            Some("  ".into()),
            3,
            at,
            vec![],
        );
        assert_eq!(s.display_name, "ann.lee");
        assert_eq!(s.confidence, SuggestionConfidence::Medium);
        let named = ContactSuggestion::from_attendee(
            "ann@x.com".into(),
            Some("Ann Lee".into()),
            1,
            at,
            vec![],
        );
        assert_eq!(named.display_name, "Ann Lee");
    }

    #[test]
    fn accept_body_checks_the_id_shape() {
        let ok = AcceptSuggestions {
            suggestion_ids: vec![suggestion_id("a@b.c")],
        };
        assert!(ok.validate().is_ok());
        let bad = AcceptSuggestions {
            suggestion_ids: vec!["sug-XYZ".into()],
        };
        assert!(bad.validate().is_err());
        let none = AcceptSuggestions {
            suggestion_ids: vec![],
        };
        assert!(none.validate().is_err());
    }
}
