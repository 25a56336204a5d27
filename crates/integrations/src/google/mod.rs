//! Google: configuration, the OAuth endpoints (authorization URL, code exchange with PKCE,
//! refresh, revocation, userinfo) and the token vault the tokens are sealed with.
//!
//! This is our own small OAuth client on purpose: yup-oauth2's authenticators are built for
//! installed applications and fall back to an interactive browser flow when a refresh
//! fails (docs/adr/0022), which a server must never do. Every call has a timeout.

pub mod api;
pub mod batch;
pub mod oauth;

use std::sync::Arc;
use std::time::Duration;

use crate::vault::TokenVault;

pub use api::{ApiError, EventsPage, EventsQuery, GoogleApi, HistoryPage, MessageIdsPage};
pub use oauth::{OAuthError, TokenGrant, UserInfo};

/// Google's authorization, token and revocation endpoints live under different hosts;
/// with `OMNICRM_GOOGLE_OAUTH_BASE` they become `<base>/auth`, `<base>/token`,
/// `<base>/revoke`.
pub const GOOGLE_AUTH_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's token endpoint.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Google's revocation endpoint.
pub const GOOGLE_REVOKE_URL: &str = "https://oauth2.googleapis.com/revoke";
/// Google's API host (Gmail, Calendar, userinfo).
pub const GOOGLE_API_BASE: &str = "https://www.googleapis.com";

/// How OmniCRM talks to Google (from `OMNICRM_GOOGLE_*`).
#[derive(Clone, Default)]
pub struct GoogleConfig {
    /// OAuth client id; without one every Google route answers 503.
    pub client_id: Option<String>,
    /// OAuth client secret.
    pub client_secret: Option<String>,
    /// Replaces Google's OAuth endpoints (`<base>/auth|token|revoke`), for tests.
    pub oauth_base: Option<String>,
    /// Replaces `https://www.googleapis.com`.
    pub api_base: Option<String>,
    /// Our callback, as registered with Google (`<public url>/api/v1/google/callback`).
    pub redirect_uri: String,
    /// Where the callback sends the browser afterwards (`OMNICRM_APP_URL`).
    pub app_url: String,
    /// Deadline of every call to Google.
    pub timeout: Duration,
    /// How the Gmail and Calendar syncs pace themselves.
    pub sync: SyncSettings,
}

/// How the Gmail and Calendar syncs pace themselves (ADR 0029).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSettings {
    /// Gmail's first sync reaches back this many days (`OMNICRM_GMAIL_BACKFILL_DAYS`).
    pub gmail_backfill_days: u32,
    /// Calendar's window: this many days back ...
    pub calendar_past_days: u32,
    /// ... and this many ahead.
    pub calendar_future_days: u32,
    /// Cron of each connected service's recurring sync (every 15 minutes).
    pub schedule_cron: String,
    /// Messages fetched at once within a page.
    pub fetch_concurrency: usize,
    /// `maxResults` of list calls (Gmail allows 500, Calendar 2500).
    pub page_size: u32,
    /// Consecutive failed calls that open a service's circuit breaker.
    pub breaker_threshold: u32,
    /// How long an open breaker waits before a probe.
    pub breaker_cooldown: Duration,
    /// Backoff when Google asked for none (429 or 5xx without `Retry-After`).
    pub default_backoff: Duration,
    /// Messages asked for per request to Gmail's batch endpoint (at most 50; below 2 every
    /// message is fetched with its own request).
    pub gmail_batch_size: usize,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            gmail_backfill_days: 365,
            calendar_past_days: 180,
            calendar_future_days: 365,
            schedule_cron: "*/15 * * * *".to_owned(),
            fetch_concurrency: 16,
            page_size: 500,
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(120),
            default_backoff: Duration::from_secs(30),
            gmail_batch_size: 50,
        }
    }
}

impl std::fmt::Debug for GoogleConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleConfig")
            .field("client_id", &self.client_id.is_some())
            .field("oauth_base", &self.oauth_base)
            .field("api_base", &self.api_base)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

impl GoogleConfig {
    /// The authorization endpoint.
    pub fn auth_url(&self) -> String {
        self.oauth_base.as_deref().map_or_else(
            || GOOGLE_AUTH_URL.to_owned(),
            |b| format!("{}/auth", trim(b)),
        )
    }

    /// The token endpoint.
    pub fn token_url(&self) -> String {
        self.oauth_base.as_deref().map_or_else(
            || GOOGLE_TOKEN_URL.to_owned(),
            |b| format!("{}/token", trim(b)),
        )
    }

    /// The revocation endpoint.
    pub fn revoke_url(&self) -> String {
        self.oauth_base.as_deref().map_or_else(
            || GOOGLE_REVOKE_URL.to_owned(),
            |b| format!("{}/revoke", trim(b)),
        )
    }

    /// The API host, without a trailing slash.
    pub fn api_base(&self) -> String {
        trim(self.api_base.as_deref().unwrap_or(GOOGLE_API_BASE)).to_owned()
    }
}

fn trim(base: &str) -> &str {
    base.trim_end_matches('/')
}

/// Google, as services and job handlers reach it; cheap to clone.
#[derive(Clone, Debug)]
pub struct Google {
    /// Seals and opens the stored tokens.
    pub vault: TokenVault,
    /// Endpoints and credentials.
    pub config: Arc<GoogleConfig>,
    http: reqwest::Client,
    api: GoogleApi,
}

impl Google {
    /// Builds the client (the HTTP client's timeouts come from `config.timeout`).
    pub fn new(vault: TokenVault, config: GoogleConfig) -> Self {
        let timeout = if config.timeout.is_zero() {
            Duration::from_secs(20)
        } else {
            config.timeout
        };
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let api = GoogleApi::new(&config.api_base(), timeout);
        Self {
            vault,
            config: Arc::new(config),
            http,
            api,
        }
    }

    /// Whether a client id is configured (otherwise the routes answer 503).
    pub fn is_configured(&self) -> bool {
        self.config
            .client_id
            .as_deref()
            .is_some_and(|c| !c.is_empty())
    }

    /// The Gmail and Calendar clients (timeouts set).
    pub fn api(&self) -> &GoogleApi {
        &self.api
    }

    /// The HTTP client (timeouts set).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}
