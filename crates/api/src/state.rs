//! What every handler can reach.

use omnicrm_services::{RateLimitPolicy, Services};

use crate::rate_limit::UserRateLimits;

use crate::auth::{CsrfKey, JwtVerifier};
use crate::http::{AllowedOrigins, TrustedProxies};

/// HTTP-level settings.
#[derive(Clone)]
pub struct ApiConfig {
    /// Base URL for links and problem `type`s (no trailing slash needed).
    pub public_url: String,
    /// Verifies access tokens.
    pub jwt: JwtVerifier,
    /// Signs and checks CSRF tokens.
    pub csrf: CsrfKey,
    /// Bearer secret of the cron routes (`OMNICRM_CRON_SECRET`); `None` answers them 503.
    pub cron_secret: Option<String>,
    /// Per-client-address limit of each public route (`OMNICRM_RATE_LIMIT_PUBLIC` per
    /// minute); also the per-token limit of onboarding submissions.
    pub public_rate_limit: RateLimitPolicy,
    /// Per-client-address limit of signed file downloads (`OMNICRM_RATE_LIMIT_DOWNLOAD` per
    /// minute).
    pub download_rate_limit: RateLimitPolicy,
    /// Proxies whose `X-Forwarded-For` is believed (`OMNICRM_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// PATCH and DELETE of a versioned resource without `If-Match` answer 428
    /// (`OMNICRM_REQUIRE_IF_MATCH`).
    pub require_if_match: bool,
    /// Per-user limits of authenticated routes by class (`OMNICRM_RATE_LIMIT_USER*`).
    pub user_rate_limits: UserRateLimits,
    /// Origins answered with CORS headers (`OMNICRM_ALLOWED_ORIGINS`; empty: CORS off).
    pub allowed_origins: AllowedOrigins,
}

impl std::fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiConfig")
            .field("public_url", &self.public_url)
            .field("jwt", &self.jwt)
            .field("csrf", &self.csrf)
            .field("cron_secret", &self.cron_secret.as_ref().map(|_| ".."))
            .field("public_rate_limit", &self.public_rate_limit)
            .field("download_rate_limit", &self.download_rate_limit)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("require_if_match", &self.require_if_match)
            .field("user_rate_limits", &self.user_rate_limits)
            .field("allowed_origins", &self.allowed_origins)
            .finish()
    }
}

impl ApiConfig {
    /// Whether cookies must carry `Secure` (the public URL is https).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// Shared application state.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// Use cases.
    pub services: Services,
    /// HTTP settings.
    pub config: ApiConfig,
}
