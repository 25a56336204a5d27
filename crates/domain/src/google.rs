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
    /// When the last sync run that succeeded ended.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_successful_sync_at: Option<OffsetDateTime>,
    /// Seconds since then (how far the timeline may lag behind Google).
    pub lag_seconds: Option<i64>,
}

/// `GET /google/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GoogleStatus {
    /// One entry per service (`gmail`, `calendar`).
    pub services: Vec<GoogleServiceStatus>,
}

/// State of a service's circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Too many failures in a row: no call until `openUntil`.
    Open,
    /// The cool-down ended: the next call is the probe that closes or reopens it.
    HalfOpen,
}

/// A service's circuit breaker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BreakerView {
    /// Closed, open or half open.
    pub state: BreakerState,
    /// Consecutive failed calls.
    pub failures: i32,
    /// Open until then.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub open_until: Option<OffsetDateTime>,
}

/// One sync run and its ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncRunView {
    /// The run (also the `batchId` of its raw events).
    pub id: uuid::Uuid,
    /// `full` or `incremental`.
    pub mode: String,
    /// `schedule`, `manual` or `connect`.
    pub trigger: String,
    /// `running`, `succeeded`, `failed` or `cancelled`.
    pub status: String,
    /// Started at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: OffsetDateTime,
    /// Finished at.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<OffsetDateTime>,
    /// Items Google listed.
    pub listed: i32,
    /// Items fetched and stored.
    pub fetched: i32,
    /// Interactions normalisation wrote.
    pub imported: i32,
    /// Items not imported, by reason (`unchanged`, `gone`, `spam`, ...).
    #[schema(value_type = std::collections::BTreeMap<String, i64>)]
    pub skipped: serde_json::Value,
    /// Items that failed.
    pub failed: i32,
    /// The failure's code.
    pub error_code: Option<String>,
}

/// Sync jobs of a service by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncJobCounts {
    /// Waiting (including snoozed).
    pub queued: i64,
    /// Running now.
    pub running: i64,
    /// Failed for good in the last 7 days.
    pub failed: i64,
}

/// One service on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceDashboard {
    /// The service.
    pub service: GoogleService,
    /// Tokens stored and not revoked.
    pub connected: bool,
    /// Google revoked the grant.
    pub revoked: bool,
    /// When the last successful run ended.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_success_at: Option<OffsetDateTime>,
    /// Seconds since then.
    pub lag_seconds: Option<i64>,
    /// The last failure's code.
    pub last_error: Option<String>,
    /// The circuit breaker.
    pub breaker: BreakerView,
    /// Sync jobs by state.
    pub jobs: SyncJobCounts,
    /// The last 10 runs, newest first.
    pub recent_runs: Vec<SyncRunView>,
}

/// `GET /omni-connect/dashboard`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectDashboard {
    /// One entry per service (`gmail`, `calendar`).
    pub services: Vec<ServiceDashboard>,
}
