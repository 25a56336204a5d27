//! HS256 JSON Web Tokens as Supabase issues them: the secret's raw UTF-8 bytes are the
//! HMAC key; `sub` is the user id, `aud` must match, `exp` is required, 30 s of skew.
//!
//! Written on `ring` rather than a JWT crate: the subset we accept is small (one
//! algorithm, a handful of claims) and an explicit allow-list of `alg` rules out the
//! classic `none`/algorithm-confusion attacks by construction.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Clock skew tolerated on `exp` and `nbf`.
pub const CLOCK_SKEW_SECS: i64 = 30;

/// The claims OmniCRM reads and writes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// Audience (Supabase: `authenticated`); a string or an array of strings.
    pub aud: Audience,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at.
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

impl Audience {
    fn contains(&self, wanted: &str) -> bool {
        match self {
            Self::One(a) => a == wanted,
            Self::Many(all) => all.iter().any(|a| a == wanted),
        }
    }
}

/// Why a token was refused (logged; the client only learns "invalid token").
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    /// Not three base64url parts of JSON.
    #[error("malformed token")]
    Malformed,
    /// `alg` is not HS256.
    #[error("unsupported algorithm")]
    Algorithm,
    /// Signature mismatch.
    #[error("bad signature")]
    Signature,
    /// Expired (beyond skew).
    #[error("token expired")]
    Expired,
    /// Not yet valid.
    #[error("token not yet valid")]
    NotYetValid,
    /// Audience mismatch.
    #[error("wrong audience")]
    Audience,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// Verifies HS256 tokens.
#[derive(Clone)]
pub struct JwtVerifier {
    key: hmac::Key,
    audience: String,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// A verifier for `secret` (raw bytes) requiring `audience`.
    pub fn new(secret: &[u8], audience: impl Into<String>) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
            audience: audience.into(),
        }
    }

    /// Checks signature, algorithm, expiry and audience at `now`.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Claims, JwtError> {
        let mut parts = token.split('.');
        let (Some(header_b64), Some(claims_b64), Some(sig_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed);
        };
        let header: Header = decode_json(header_b64)?;
        if header.alg != "HS256" {
            return Err(JwtError::Algorithm);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(sig_b64)
            .map_err(|_| JwtError::Malformed)?;
        let signed_len = header_b64.len() + 1 + claims_b64.len();
        let signed = token.get(..signed_len).ok_or(JwtError::Malformed)?;
        hmac::verify(&self.key, signed.as_bytes(), &signature).map_err(|_| JwtError::Signature)?;
        let claims: Claims = decode_json(claims_b64)?;
        let now = now.unix_timestamp();
        if claims.exp + CLOCK_SKEW_SECS < now {
            return Err(JwtError::Expired);
        }
        if claims.nbf.is_some_and(|nbf| nbf - CLOCK_SKEW_SECS > now) {
            return Err(JwtError::NotYetValid);
        }
        if !claims.aud.contains(&self.audience) {
            return Err(JwtError::Audience);
        }
        Ok(claims)
    }
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)
}

/// Signs `claims` with HS256 under `secret` (the `token` subcommand and tests).
pub fn mint_token(secret: &[u8], claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let sig = URL_SAFE_NO_PAD.encode(hmac::sign(&key, signing_input.as_bytes()).as_ref());
    format!("{signing_input}.{sig}")
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"super-secret-jwt-token-with-at-least-32-characters-long";

    fn token(ttl: i64, aud: &str) -> String {
        mint_token(
            SECRET,
            &Claims::for_user(Uuid::nil(), aud, OffsetDateTime::now_utc(), ttl),
        )
    }

    #[test]
    fn accepts_valid_and_rejects_expired_wrong_audience_and_bad_signature() {
        let v = JwtVerifier::new(SECRET, "authenticated");
        let now = OffsetDateTime::now_utc();
        assert!(v.verify(&token(60, "authenticated"), now).is_ok());
        assert_eq!(
            v.verify(&token(-120, "authenticated"), now),
            Err(JwtError::Expired)
        );
        // Within the skew an expired token still passes.
        assert!(v.verify(&token(-10, "authenticated"), now).is_ok());
        assert_eq!(v.verify(&token(60, "anon"), now), Err(JwtError::Audience));
        let other = JwtVerifier::new(b"another-secret", "authenticated");
        assert_eq!(
            other.verify(&token(60, "authenticated"), now),
            Err(JwtError::Signature)
        );
    }

    #[test]
    fn rejects_alg_none_and_garbage() {
        let v = JwtVerifier::new(SECRET, "authenticated");
        let now = OffsetDateTime::now_utc();
        let good = token(60, "authenticated");
        let claims = good.split('.').nth(1).unwrap_or_default();
        let none = format!("{}.{claims}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#));
        assert_eq!(v.verify(&none, now), Err(JwtError::Algorithm));
        assert_eq!(v.verify("a.b", now), Err(JwtError::Malformed));
        assert_eq!(v.verify("", now), Err(JwtError::Malformed));
    }
}
