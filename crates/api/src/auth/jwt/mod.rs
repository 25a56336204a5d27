//! Access tokens as Supabase issues them, checked with the `jsonwebtoken` crate: HS256 under
//! the secret's raw UTF-8 bytes, RS256/ES256 under the project's JWKS (by `kid`). `sub` is
//! the user id, `aud` must match, `exp` and `iat` are required, 30 s of clock skew, the
//! `role` must be the configured one (`authenticated`), and the lifetime (`exp - iat`) may not
//! exceed a configured maximum, so a leaked long-lived or service token is not a session.
//!
//! The algorithm is chosen by the key, never by the token alone: HS256 only with the
//! configured secret, RS256/ES256 only with a JWKS key of that type (see [`jwks`]).

pub mod jwks;
mod ring_provider;

use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

pub use jwks::{Jwks, JwksSettings};

/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const CLOCK_SKEW_SECS: i64 = 30;
/// Longest token accepted (bytes); a real one is well under 2 KiB.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Default of `OMNICRM_JWT_MAX_LIFETIME`.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The claims OmniCRM reads and writes.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// Audience (Supabase: `authenticated`); a string or an array of strings.
    pub aud: Audience,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at (required when verifying).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Not before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Supabase role (`authenticated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The user's email when the issuer includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Supabase's session id: stable across refreshes of one sign-in (binds CSRF tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

// The email is personal data: a `?claims` in a log line must not carry it.
impl std::fmt::Debug for Claims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claims")
            .field("sub", &self.sub)
            .field("aud", &self.aud)
            .field("exp", &self.exp)
            .field("iat", &self.iat)
            .field("nbf", &self.nbf)
            .field("role", &self.role)
            .field("email", &self.email.as_ref().map(|_| ".."))
            .field("session_id", &self.session_id)
            .finish()
    }
}

/// `aud` as a single string or a list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Audience {
    /// One audience.
    One(String),
    /// Several.
    Many(Vec<String>),
}

/// Why a token was refused (logged; the client only learns "invalid token").
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    /// Not three base64url parts of JSON with the claims' types, or too long.
    #[error("malformed token")]
    Malformed,
    /// An algorithm other than HS256/RS256/ES256, or one with no configured key.
    #[error("unsupported algorithm")]
    Algorithm,
    /// An asymmetric token whose `kid` is not in the JWKS (after a refresh, if one was due).
    #[error("unknown signing key")]
    UnknownKey,
    /// The JWKS could not be fetched and no key is cached.
    #[error("signing keys unavailable")]
    KeysUnavailable,
    /// Signature mismatch.
    #[error("bad signature")]
    Signature,
    /// Expired (beyond skew).
    #[error("token expired")]
    Expired,
    /// Not yet valid (`nbf`).
    #[error("token not yet valid")]
    NotYetValid,
    /// `iat` missing or in the future (beyond skew).
    #[error("issued-at missing or in the future")]
    IssuedAt,
    /// `exp - iat` above the configured maximum.
    #[error("lifetime above the maximum")]
    Lifetime,
    /// Audience mismatch.
    #[error("wrong audience")]
    Audience,
    /// `role` is not the accepted one (e.g. `anon` or `service_role`).
    #[error("wrong role")]
    Role,
}

/// What a token must satisfy besides its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtPolicy {
    /// Required `aud` (`OMNICRM_JWT_AUDIENCE`).
    pub audience: String,
    /// Required `role` (`OMNICRM_JWT_ROLE`).
    pub role: String,
    /// Longest accepted `exp - iat` (`OMNICRM_JWT_MAX_LIFETIME`).
    pub max_lifetime: Duration,
}

impl JwtPolicy {
    /// Supabase's user tokens: `role = authenticated`, at most [`DEFAULT_MAX_LIFETIME`].
    pub fn new(audience: impl Into<String>) -> Self {
        Self {
            audience: audience.into(),
            role: "authenticated".to_owned(),
            max_lifetime: DEFAULT_MAX_LIFETIME,
        }
    }
}

/// Verifies access tokens.
#[derive(Clone)]
pub struct JwtVerifier {
    secret: Option<DecodingKey>,
    jwks: Option<Jwks>,
    policy: JwtPolicy,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("hs256", &self.secret.is_some())
            .field("jwks", &self.jwks)
            .field("policy", &self.policy)
            .finish()
    }
}

impl JwtVerifier {
    /// A verifier with an optional HS256 `secret` (raw bytes; empty means none) and an
    /// optional JWKS for RS256/ES256.
    pub fn new(secret: Option<&[u8]>, jwks: Option<Jwks>, policy: JwtPolicy) -> Self {
        ring_provider::install();
        Self {
            secret: secret.and_then(|s| DecodingKey::from_secret(s).ok()),
            jwks,
            policy,
        }
    }

    /// HS256 only, Supabase's policy for `audience`.
    pub fn hs256(secret: &[u8], audience: impl Into<String>) -> Self {
        Self::new(Some(secret), None, JwtPolicy::new(audience))
    }

    /// The policy tokens must satisfy.
    pub fn policy(&self) -> &JwtPolicy {
        &self.policy
    }

    /// Checks algorithm, signature, expiry, audience, issue time, lifetime and role at
    /// `now`. Awaits only when an asymmetric token names a key that is not cached.
    pub async fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Claims, JwtError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(JwtError::Malformed);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| JwtError::Malformed)?;
        let key = match header.alg {
            Algorithm::HS256 => self.secret.clone().ok_or(JwtError::Algorithm)?,
            Algorithm::RS256 | Algorithm::ES256 => {
                let jwks = self.jwks.as_ref().ok_or(JwtError::Algorithm)?;
                let kid = header.kid.as_deref().ok_or(JwtError::UnknownKey)?;
                jwks.key(kid, header.alg).await?
            }
            _ => return Err(JwtError::Algorithm),
        };
        let claims = self.decode(token, header.alg, &key)?;
        self.check_times_and_role(&claims, now.unix_timestamp())?;
        Ok(claims)
    }

    fn decode(&self, token: &str, alg: Algorithm, key: &DecodingKey) -> Result<Claims, JwtError> {
        let mut validation = Validation::new(alg);
        validation.leeway = CLOCK_SKEW_SECS.unsigned_abs();
        validation.validate_nbf = true;
        validation.set_audience(&[&self.policy.audience]);
        validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|err| match err.into_kind() {
                ErrorKind::InvalidSignature => JwtError::Signature,
                ErrorKind::ExpiredSignature => JwtError::Expired,
                ErrorKind::ImmatureSignature => JwtError::NotYetValid,
                ErrorKind::InvalidAudience => JwtError::Audience,
                ErrorKind::InvalidAlgorithm
                | ErrorKind::UnsupportedAlgorithm
                | ErrorKind::InvalidKeyFormat => JwtError::Algorithm,
                _ => JwtError::Malformed,
            })
    }

    // The crate checked `exp`/`nbf` against the system clock; these are checked at `now`
    // (the same clock in production, a chosen one in tests).
    fn check_times_and_role(&self, claims: &Claims, now: i64) -> Result<(), JwtError> {
        if claims.exp.saturating_add(CLOCK_SKEW_SECS) < now {
            return Err(JwtError::Expired);
        }
        let iat = claims.iat.ok_or(JwtError::IssuedAt)?;
        if iat.saturating_sub(CLOCK_SKEW_SECS) > now {
            return Err(JwtError::IssuedAt);
        }
        let max = i64::try_from(self.policy.max_lifetime.as_secs()).unwrap_or(i64::MAX);
        if claims.exp.saturating_sub(iat) > max {
            return Err(JwtError::Lifetime);
        }
        if claims.role.as_deref() != Some(self.policy.role.as_str()) {
            return Err(JwtError::Role);
        }
        Ok(())
    }
}

/// Signs `claims` with HS256 under `secret` (the `token` subcommand and tests).
pub fn mint_token(secret: &[u8], claims: &Claims) -> String {
    ring_provider::install();
    EncodingKey::from_secret(secret)
        .and_then(|key| jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key))
        .unwrap_or_default()
}

/// Signs `claims` with RS256 (PKCS#8 or PKCS#1 DER RSA key) or ES256 (PKCS#8 DER P-256 key) under
/// key id `kid` (tests of JWKS verification).
pub fn mint_asymmetric(alg: Algorithm, pkcs8: &[u8], kid: &str, claims: &Claims) -> String {
    ring_provider::install();
    let key = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_der(pkcs8),
        _ => EncodingKey::from_ec_der(pkcs8),
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &key).unwrap_or_default()
}

impl Claims {
    /// Claims for `user` valid for `ttl_secs` from `now`, audience `aud`.
    pub fn for_user(user: Uuid, aud: &str, now: OffsetDateTime, ttl_secs: i64) -> Self {
        let iat = now.unix_timestamp();
        Self {
            sub: user,
            aud: Audience::One(aud.to_owned()),
            exp: iat + ttl_secs,
            iat: Some(iat),
            nbf: None,
            role: Some("authenticated".to_owned()),
            email: None,
            session_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"super-secret-jwt-token-with-at-least-32-characters-long";

    fn claims(ttl: i64, aud: &str) -> Claims {
        Claims::for_user(Uuid::nil(), aud, OffsetDateTime::now_utc(), ttl)
    }

    fn token(ttl: i64, aud: &str) -> String {
        mint_token(SECRET, &claims(ttl, aud))
    }

    fn verify(v: &JwtVerifier, token: &str) -> Result<Claims, JwtError> {
        futures_util::FutureExt::now_or_never(v.verify(token, OffsetDateTime::now_utc()))
            .unwrap_or(Err(JwtError::KeysUnavailable))
    }

    #[test]
    fn accepts_valid_and_rejects_expired_wrong_audience_and_bad_signature() {
        let v = JwtVerifier::hs256(SECRET, "authenticated");
        assert!(verify(&v, &token(60, "authenticated")).is_ok());
        assert_eq!(
            verify(&v, &token(-120, "authenticated")),
            Err(JwtError::Expired)
        );
        // Within the skew an expired token still passes.
        assert!(verify(&v, &token(-10, "authenticated")).is_ok());
        assert_eq!(verify(&v, &token(60, "anon")), Err(JwtError::Audience));
        let other = JwtVerifier::hs256(b"another-secret-another-secret-another", "authenticated");
        assert_eq!(
            verify(&other, &token(60, "authenticated")),
            Err(JwtError::Signature)
        );
    }

    #[test]
    fn rejects_alg_none_garbage_and_asymmetric_tokens_without_a_jwks() {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let v = JwtVerifier::hs256(SECRET, "authenticated");
        let good = token(60, "authenticated");
        let body = good.split('.').nth(1).unwrap_or_default();
        let none = format!("{}.{body}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#));
        assert_eq!(verify(&v, &none), Err(JwtError::Malformed));
        let rs = format!(
            "{}.{body}.c2ln",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k"}"#)
        );
        assert_eq!(verify(&v, &rs), Err(JwtError::Algorithm));
        let hs384 = format!(
            "{}.{body}.c2ln",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"HS384"}"#)
        );
        assert_eq!(verify(&v, &hs384), Err(JwtError::Algorithm));
        assert_eq!(verify(&v, "a.b"), Err(JwtError::Malformed));
        assert_eq!(verify(&v, ""), Err(JwtError::Malformed));
        assert_eq!(
            verify(&v, &"a".repeat(MAX_TOKEN_BYTES + 1)),
            Err(JwtError::Malformed)
        );
    }

    #[test]
    fn role_issue_time_and_lifetime_are_enforced() {
        let v = JwtVerifier::hs256(SECRET, "authenticated");
        let mut c = claims(60, "authenticated");
        c.role = Some("service_role".to_owned());
        assert_eq!(verify(&v, &mint_token(SECRET, &c)), Err(JwtError::Role));
        c.role = None;
        assert_eq!(verify(&v, &mint_token(SECRET, &c)), Err(JwtError::Role));

        let mut c = claims(60, "authenticated");
        c.iat = None;
        assert_eq!(verify(&v, &mint_token(SECRET, &c)), Err(JwtError::IssuedAt));
        let mut c = claims(3600, "authenticated");
        c.iat = c.iat.map(|t| t + 600);
        assert_eq!(verify(&v, &mint_token(SECRET, &c)), Err(JwtError::IssuedAt));

        // A year-long token is refused; one of exactly the maximum passes.
        let long = claims(365 * 24 * 3600, "authenticated");
        assert_eq!(
            verify(&v, &mint_token(SECRET, &long)),
            Err(JwtError::Lifetime)
        );
        let max = claims(24 * 3600, "authenticated");
        assert!(verify(&v, &mint_token(SECRET, &max)).is_ok());

        let custom = JwtVerifier::new(
            Some(SECRET),
            None,
            JwtPolicy {
                audience: "authenticated".to_owned(),
                role: "member".to_owned(),
                max_lifetime: Duration::from_secs(60),
            },
        );
        let mut c = claims(120, "authenticated");
        c.role = Some("member".to_owned());
        assert_eq!(
            verify(&custom, &mint_token(SECRET, &c)),
            Err(JwtError::Lifetime)
        );
        c.exp -= 60;
        assert!(verify(&custom, &mint_token(SECRET, &c)).is_ok());
    }

    #[test]
    fn claims_of_the_wrong_json_type_are_refused() {
        // The type confusion of jsonwebtoken < 10.3: a string `nbf` must not pass as absent.
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let v = JwtVerifier::hs256(SECRET, "authenticated");
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let body = serde_json::json!({
            "sub": Uuid::nil(), "aud": "authenticated", "exp": now + 60, "iat": now,
            "nbf": "99999999999", "role": "authenticated"
        });
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(body.to_string());
        let input = format!("{header}.{payload}");
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET);
        let sig = URL_SAFE_NO_PAD.encode(ring::hmac::sign(&key, input.as_bytes()).as_ref());
        assert!(verify(&v, &format!("{input}.{sig}")).is_err());
    }
}
