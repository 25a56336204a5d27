//! Google's OAuth 2.0 endpoints for a web server application: the consent URL (offline
//! access, PKCE S256), the code exchange, refresh and revocation, and userinfo.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Deserialize;
use time::OffsetDateTime;

use super::Google;

/// Scopes every connection asks for besides the service's own (to learn the account).
pub const IDENTITY_SCOPES: [&str; 2] = ["openid", "email"];

/// Why an OAuth call failed. Carries no token and no Google error description (they can
/// echo request data); the code is safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// No client id or secret is configured.
    #[error("Google is not configured")]
    NotConfigured,
    /// Google refused the grant (revoked, expired, or a wrong code or verifier).
    #[error("Google answered invalid_grant")]
    InvalidGrant,
    /// Google answered another OAuth error or status.
    #[error("Google answered {status} ({code})")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The OAuth `error` code, when the body had one.
        code: String,
        /// `Retry-After`, when sent.
        retry_after: Option<Duration>,
    },
    /// Timeout, connection failure, or an unreadable answer.
    #[error("Google could not be reached: {0}")]
    Transport(String),
}

impl OAuthError {
    /// A short code for status pages and logs.
    pub fn code(&self) -> String {
        match self {
            Self::NotConfigured => "not_configured".to_owned(),
            Self::InvalidGrant => "invalid_grant".to_owned(),
            Self::Refused { code, .. } => code.clone(),
            Self::Transport(_) => "unreachable".to_owned(),
        }
    }

    /// Worth retrying later (5xx, 429, transport), as opposed to a definite refusal.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport(_) => true,
            Self::Refused { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}

/// What the token endpoint grants.
#[derive(Clone)]
pub struct TokenGrant {
    /// Access token.
    pub access_token: String,
    /// Refresh token (sent on the first consent, and only then).
    pub refresh_token: Option<String>,
    /// Expiry of the access token.
    pub expires_at: Option<OffsetDateTime>,
    /// Granted scopes.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGrant")
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// The account behind a token (`/oauth2/v3/userinfo`).
#[derive(Debug, Clone, Deserialize)]
pub struct UserInfo {
    /// Google's stable account id.
    pub sub: String,
    /// The account's address.
    pub email: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
    scope: Option<String>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: Option<String>,
}

/// A PKCE pair: the verifier stays with us, the challenge goes to Google.
#[derive(Clone)]
pub struct Pkce {
    /// 43 unreserved characters (RFC 7636 §4.1).
    pub verifier: String,
    /// `BASE64URL(SHA256(verifier))`.
    pub challenge: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pkce(..)")
    }
}

impl Pkce {
    /// A fresh pair from the system's random source.
    pub fn generate() -> Result<Self, OAuthError> {
        let mut bytes = [0_u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| OAuthError::Transport("random source failed".to_owned()))?;
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        Ok(Self {
            challenge: challenge_of(&verifier),
            verifier,
        })
    }
}

/// The S256 challenge of a verifier.
pub fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

impl Google {
    fn client(&self) -> Result<(&str, &str), OAuthError> {
        match (
            self.config.client_id.as_deref(),
            self.config.client_secret.as_deref(),
        ) {
            (Some(id), secret) if !id.is_empty() => Ok((id, secret.unwrap_or(""))),
            _ => Err(OAuthError::NotConfigured),
        }
    }

    /// Google's consent URL for `scopes` (plus `openid email`), offline access, PKCE S256.
    pub fn authorize_url(
        &self,
        scopes: &[&str],
        state: &str,
        challenge: &str,
    ) -> Result<String, OAuthError> {
        let (client_id, _) = self.client()?;
        let scope = scopes
            .iter()
            .chain(IDENTITY_SCOPES.iter())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let url = reqwest::Url::parse_with_params(
            &self.config.auth_url(),
            &[
                ("client_id", client_id),
                ("redirect_uri", self.config.redirect_uri.as_str()),
                ("response_type", "code"),
                ("scope", scope.as_str()),
                ("access_type", "offline"),
                // Without it Google sends a refresh token only on the very first consent.
                ("prompt", "consent"),
                ("include_granted_scopes", "true"),
                ("state", state),
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
            ],
        )
        .map_err(|e| OAuthError::Transport(format!("bad authorization URL: {e}")))?;
        Ok(url.into())
    }

    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    pub async fn exchange_code(
        &self,
        code: &str,
        verifier: &str,
    ) -> Result<TokenGrant, OAuthError> {
        let (client_id, secret) = self.client()?;
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", self.config.redirect_uri.as_str()),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .await
    }

    /// A new access token from a refresh token; [`OAuthError::InvalidGrant`] when Google
    /// no longer honours it.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenGrant, OAuthError> {
        let (client_id, secret) = self.client()?;
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .await
    }

    /// Revokes a token (and with it the grant). A token Google no longer knows counts as
    /// revoked.
    pub async fn revoke(&self, token: &str) -> Result<(), OAuthError> {
        let response = self
            .http()
            .post(self.config.revoke_url())
            .form(&[("token", token)])
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        match read_error(response).await {
            OAuthError::InvalidGrant => Ok(()),
            OAuthError::Refused { code, .. } if code == "invalid_token" => Ok(()),
            other => Err(other),
        }
    }

    /// The account an access token belongs to.
    pub async fn userinfo(&self, access_token: &str) -> Result<UserInfo, OAuthError> {
        let response = self
            .http()
            .get(format!("{}/oauth2/v3/userinfo", self.config.api_base()))
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(transport)?;
        if !response.status().is_success() {
            return Err(read_error(response).await);
        }
        response.json().await.map_err(transport)
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> Result<TokenGrant, OAuthError> {
        let response = self
            .http()
            .post(self.config.token_url())
            .form(form)
            .send()
            .await
            .map_err(transport)?;
        if !response.status().is_success() {
            return Err(read_error(response).await);
        }
        let body: TokenResponse = response.json().await.map_err(transport)?;
        let now = OffsetDateTime::now_utc();
        Ok(TokenGrant {
            access_token: body.access_token,
            refresh_token: body.refresh_token.filter(|r| !r.is_empty()),
            expires_at: body
                .expires_in
                .map(|s| now + time::Duration::seconds(s.clamp(0, 86_400 * 365))),
            scopes: body
                .scope
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        })
    }
}

fn transport(err: reqwest::Error) -> OAuthError {
    // reqwest's message can include the URL but never a form body or a header.
    OAuthError::Transport(err.without_url().to_string())
}

async fn read_error(response: reqwest::Response) -> OAuthError {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let code = response
        .json::<ErrorResponse>()
        .await
        .ok()
        .and_then(|e| e.error)
        .filter(|c| c.len() <= 64 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .unwrap_or_else(|| format!("http_{status}"));
    if code == "invalid_grant" {
        return OAuthError::InvalidGrant;
    }
    OAuthError::Refused {
        status,
        code,
        retry_after,
    }
}

#[cfg(test)]
mod tests {
    use super::challenge_of;

    #[test]
    fn s256_challenge_is_base64url_sha256_without_padding() {
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K9uXt6FfptGJYtN8VuK2pHbpnM"),
            // Computed independently (Python hashlib + urlsafe_b64encode, padding stripped).
            "z-0Tc0IRK5eRe_b_Ry_1PlBBgumvERP5xl2heK9oHRM"
        );
    }
}
