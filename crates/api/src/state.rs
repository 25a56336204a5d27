//! What every handler can reach.

use omnicrm_services::Services;

use crate::auth::{CsrfKey, JwtVerifier};

/// HTTP-level settings.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Base URL for links and problem `type`s (no trailing slash needed).
    pub public_url: String,
    /// Verifies access tokens.
    pub jwt: JwtVerifier,
    /// Signs and checks CSRF tokens.
    pub csrf: CsrfKey,
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
