//! CSRF tokens for cookie-authenticated unsafe requests:
//! `v1.<issued unix seconds>.<nonce>.<mac>`, where the mac is an HMAC-SHA256 of the user id,
//! the session, the issue time and the nonce under a key derived from the encryption keys.
//!
//! The session is the access token's `session_id` (Supabase keeps it across token
//! refreshes of one sign-in) or, without one, its `iat` (then a new access token needs a
//! new CSRF token). A token is refused in another session, when issued before the access
//! token it is bound to, in the future, or more than [`MAX_AGE_SECS`] ago.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use time::OffsetDateTime;

use super::jwt::{CLOCK_SKEW_SECS, Claims};

/// Longest life of a CSRF token.
pub const MAX_AGE_SECS: i64 = 24 * 3600;

const VERSION: &str = "v1";

/// Signs and verifies CSRF tokens.
#[derive(Clone)]
pub struct CsrfKey(hmac::Key);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(..)")
    }
}

/// What a token is bound to.
enum Session<'a> {
    Id(&'a str),
    IssuedAt(i64),
}

impl<'a> Session<'a> {
    fn of(claims: &'a Claims) -> Self {
        match claims.session_id.as_deref() {
            Some(id) if !id.is_empty() => Self::Id(id),
            _ => Self::IssuedAt(claims.iat.unwrap_or_default()),
        }
    }

    fn label(&self) -> String {
        match self {
            Self::Id(id) => format!("sid:{id}"),
            Self::IssuedAt(iat) => format!("iat:{iat}"),
        }
    }
}

impl CsrfKey {
    /// Derives the CSRF key from a 32-byte master key (HKDF-SHA256, info `omnicrm/csrf/v1`).
    pub fn derive(master: &[u8]) -> Self {
        Self(hmac::Key::new(
            hmac::HMAC_SHA256,
            &derive_subkey(master, b"omnicrm/csrf/v1"),
        ))
    }

    /// A fresh token bound to the user and session of `claims`, issued at `now`.
    pub fn issue(&self, claims: &Claims, now: OffsetDateTime) -> String {
        let mut nonce = [0_u8; 16];
        // SystemRandom only fails when the OS has no entropy source at all; a zero nonce
        // still yields a user-, session- and time-bound token.
        let _ = SystemRandom::new().fill(&mut nonce);
        let nonce = URL_SAFE_NO_PAD.encode(nonce);
        let issued = now.unix_timestamp();
        let input = signing_input(claims, issued, &nonce);
        let mac = hmac::sign(&self.0, input.as_bytes());
        format!(
            "{VERSION}.{issued}.{nonce}.{}",
            URL_SAFE_NO_PAD.encode(mac.as_ref())
        )
    }

    /// Whether `token` was issued under this key for the user and session of `claims`,
    /// and is still within its lifetime at `now` (constant-time compare).
    pub fn verify(&self, claims: &Claims, token: &str, now: OffsetDateTime) -> bool {
        let mut parts = token.split('.');
        let (Some(VERSION), Some(issued), Some(nonce), Some(mac), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return false;
        };
        let (Ok(issued), Ok(mac)) = (issued.parse::<i64>(), URL_SAFE_NO_PAD.decode(mac)) else {
            return false;
        };
        let input = signing_input(claims, issued, nonce);
        if hmac::verify(&self.0, input.as_bytes(), &mac).is_err() {
            return false;
        }
        let now = now.unix_timestamp();
        let session_start = match Session::of(claims) {
            Session::IssuedAt(iat) => iat,
            Session::Id(_) => i64::MIN,
        };
        issued <= now.saturating_add(CLOCK_SKEW_SECS)
            && now.saturating_sub(issued) <= MAX_AGE_SECS
            && issued >= session_start.saturating_sub(CLOCK_SKEW_SECS)
    }
}

fn signing_input(claims: &Claims, issued: i64, nonce: &str) -> String {
    format!(
        "{}|{}|{issued}|{nonce}",
        claims.sub,
        Session::of(claims).label()
    )
}

pub use omnicrm_services::integrations::keys::derive_subkey;

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn claims(user: u128, session: Option<&str>, iat: OffsetDateTime) -> Claims {
        let mut c = Claims::for_user(Uuid::from_u128(user), "authenticated", iat, 3600);
        c.session_id = session.map(str::to_owned);
        c
    }

    #[test]
    fn tokens_are_bound_to_user_session_and_key() {
        let key = CsrfKey::derive(&[7; 32]);
        let now = OffsetDateTime::now_utc();
        let alice = claims(1, Some("s1"), now);
        let token = key.issue(&alice, now);
        assert!(key.verify(&alice, &token, now));
        // A refreshed access token of the same sign-in keeps its CSRF token.
        let refreshed = claims(1, Some("s1"), now + time::Duration::minutes(50));
        assert!(key.verify(&refreshed, &token, now + time::Duration::minutes(50)));
        assert!(!key.verify(&claims(1, Some("s2"), now), &token, now));
        assert!(!key.verify(&claims(2, Some("s1"), now), &token, now));
        assert!(!CsrfKey::derive(&[8; 32]).verify(&alice, &token, now));
        assert!(!key.verify(&alice, "garbage", now));
        assert!(!key.verify(&alice, &token.replacen("v1", "v2", 1), now));
    }

    #[test]
    fn without_a_session_id_the_token_is_bound_to_the_access_tokens_iat() {
        let key = CsrfKey::derive(&[7; 32]);
        let now = OffsetDateTime::now_utc();
        let first = claims(1, None, now);
        let token = key.issue(&first, now);
        assert!(key.verify(&first, &token, now));
        let next = claims(1, None, now + time::Duration::seconds(1));
        assert!(!key.verify(&next, &token, now));
        // Issued (with a valid mac) before the access token it is bound to: refused.
        let later = claims(1, None, now + time::Duration::hours(1));
        let early = key.issue(&later, now);
        assert!(!key.verify(&later, &early, now + time::Duration::hours(1)));
    }

    #[test]
    fn tokens_expire_after_a_day_and_cannot_come_from_the_future() {
        let key = CsrfKey::derive(&[7; 32]);
        let now = OffsetDateTime::now_utc();
        let alice = claims(1, Some("s1"), now);
        let token = key.issue(&alice, now);
        assert!(key.verify(&alice, &token, now + time::Duration::hours(23)));
        assert!(!key.verify(&alice, &token, now + time::Duration::hours(25)));
        let future = key.issue(&alice, now + time::Duration::minutes(10));
        assert!(!key.verify(&alice, &future, now));
    }
}
