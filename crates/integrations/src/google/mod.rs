//! Google: configuration, the OAuth endpoints (authorization URL, code exchange with PKCE,
//! refresh, revocation, userinfo) and the token vault the tokens are sealed with.
//!
//! This is our own small OAuth client on purpose: yup-oauth2's authenticators are built for
//! installed applications and fall back to an interactive browser flow when a refresh
//! fails (docs/adr/0022), which a server must never do. Every call has a timeout.

pub mod oauth;

use std::sync::Arc;
use std::time::Duration;

use crate::vault::TokenVault;

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
        Self {
            vault,
            config: Arc::new(config),
            http,
        }
    }

    /// Whether a client id is configured (otherwise the routes answer 503).
    pub fn is_configured(&self) -> bool {
        self.config
            .client_id
            .as_deref()
            .is_some_and(|c| !c.is_empty())
    }

    /// The HTTP client (timeouts set).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}
