//! Why an attempt did not succeed, as a stable code. Error entries store the code next to
//! the handler's text; views show only the code (and a fixed message for it), because a
//! handler's text can carry upstream responses or internal detail.

use serde_json::Value;

/// The code of one entry in a job's `errors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureCode {
    /// The handler failed with a retryable error (retried later, or dead on its last attempt).
    Failed,
    /// The handler failed permanently (or its payload no longer decodes).
    FailedPermanently,
    /// The handler ran longer than its kind's timeout.
    TimedOut,
    /// No handler is registered for the kind.
    UnknownKind,
    /// The handler asked to run again later (no attempt spent).
    Snoozed,
    /// Cancelled while running.
    Cancelled,
    /// Given back when its worker shut down (no attempt spent).
    ReleasedAtShutdown,
    /// The lease expired: the worker died or stalled.
    LeaseExpired,
}

impl FailureCode {
    /// Every code.
    pub const ALL: [Self; 8] = [
        Self::Failed,
        Self::FailedPermanently,
        Self::TimedOut,
        Self::UnknownKind,
        Self::Snoozed,
        Self::Cancelled,
        Self::ReleasedAtShutdown,
        Self::LeaseExpired,
    ];

    /// Stored spelling (`code` of an error entry).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::FailedPermanently => "failed_permanently",
            Self::TimedOut => "timed_out",
            Self::UnknownKind => "unknown_kind",
            Self::Snoozed => "snoozed",
            Self::Cancelled => "cancelled",
            Self::ReleasedAtShutdown => "released_at_shutdown",
            Self::LeaseExpired => "lease_expired",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The code of a stored error entry. Entries written before codes existed are
    /// classified by their `kind` and, for the engine's own fixed texts, their `error`.
    pub fn of_entry(entry: &Value) -> Self {
        if let Some(code) = entry
            .get("code")
            .and_then(Value::as_str)
            .and_then(Self::parse)
        {
            return code;
        }
        let error = entry.get("error").and_then(Value::as_str).unwrap_or("");
        match entry.get("kind").and_then(Value::as_str) {
            Some("snooze") if error == "released at worker shutdown" => Self::ReleasedAtShutdown,
            Some("snooze") => Self::Snoozed,
            Some("cancelled") => Self::Cancelled,
            Some("lease_expired") => Self::LeaseExpired,
            _ if error.starts_with("lease expired") => Self::LeaseExpired,
            _ if error.starts_with("no handler registered for kind") => Self::UnknownKind,
            _ if error.starts_with("timed out after") => Self::TimedOut,
            _ if error.starts_with("permanent: ") => Self::FailedPermanently,
            _ => Self::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_are_classified_with_or_without_a_stored_code() {
        assert_eq!(
            FailureCode::of_entry(&json!({"kind": "error", "code": "timed_out", "error": "x"})),
            FailureCode::TimedOut
        );
        for (entry, code) in [
            (
                json!({"kind": "error", "error": "secret upstream body"}),
                FailureCode::Failed,
            ),
            (
                json!({"kind": "snooze", "error": "429"}),
                FailureCode::Snoozed,
            ),
            (
                json!({"kind": "snooze", "error": "released at worker shutdown"}),
                FailureCode::ReleasedAtShutdown,
            ),
            (json!({"kind": "cancelled"}), FailureCode::Cancelled),
            (json!({"kind": "lease_expired"}), FailureCode::LeaseExpired),
            (
                json!({"error": "lease expired: the worker died or stalled"}),
                FailureCode::LeaseExpired,
            ),
            (
                json!({"kind": "error", "error": "no handler registered for kind \"x\""}),
                FailureCode::UnknownKind,
            ),
            (json!({"code": "nonsense"}), FailureCode::Failed),
            (json!("not an object"), FailureCode::Failed),
        ] {
            assert_eq!(FailureCode::of_entry(&entry), code, "{entry}");
        }
        for code in FailureCode::ALL {
            assert_eq!(FailureCode::parse(code.as_str()), Some(code));
        }
    }
}
