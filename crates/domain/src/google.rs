//! Google integrations as the API shows them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A Google service a user connects on its own (one consent, one token pair, each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GoogleService {
    /// Gmail (read-only).
    Gmail,
    /// Google Calendar (read-only).
    Calendar,
}

impl GoogleService {
    /// Every service.
    pub const ALL: [Self; 2] = [Self::Gmail, Self::Calendar];

    /// Stored and path spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Gmail => "gmail",
            Self::Calendar => "calendar",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The OAuth scopes the service asks for (besides `openid email`).
    pub const fn scopes(self) -> &'static [&'static str] {
        match self {
            Self::Gmail => &["https://www.googleapis.com/auth/gmail.readonly"],
            Self::Calendar => &["https://www.googleapis.com/auth/calendar.readonly"],
        }
    }
}

/// One service's connection, as `GET /google/status` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GoogleServiceStatus {
    /// The service.
    pub service: GoogleService,
    /// Tokens are stored and Google has not revoked them.
    pub connected: bool,
    /// Google refused the refresh token (`invalid_grant`): reconnect.
    pub revoked: bool,
    /// The connected Google account.
    pub email: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// When the current access token expires.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
    /// When it was connected.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub connected_at: Option<OffsetDateTime>,
    /// The last failure talking to Google (a code, never a token or an address).
    pub last_error: Option<String>,
}

/// `GET /google/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GoogleStatus {
    /// One entry per service (`gmail`, `calendar`).
    pub services: Vec<GoogleServiceStatus>,
}
