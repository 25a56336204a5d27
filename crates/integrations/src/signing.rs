//! Signed, expiring download URLs: `/api/v1/files/<key>?exp=<unix>&sig=<mac>`. The MAC
//! (HMAC-SHA256 under a key derived for this purpose) covers the owner's user id, the key
//! and the expiry, so a URL can be neither redirected to another file nor extended. The
//! server checks ownership when it signs; the download itself needs no session, which is
//! what lets `<img src>` work.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use omnicrm_domain::UserId;
use ring::hmac;
use time::OffsetDateTime;

use crate::keys::derive_subkey;
use crate::storage::ObjectKey;

/// The longest a signed URL may live (api.md: at most one hour).
pub const MAX_TTL: Duration = Duration::from_secs(3600);

/// Path prefix of signed downloads.
pub const FILES_PATH: &str = "/api/v1/files/";

/// Signs and checks download URLs.
#[derive(Clone)]
pub struct UrlSigner {
    key: hmac::Key,
    /// Keys the erasure receipts' subject hash (a purpose of its own, same master key).
    subject: hmac::Key,
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigner(..)")
    }
}

/// A signed URL (path and query; prefix the public URL for an absolute link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedUrl {
    /// `/api/v1/files/<key>?exp=..&sig=..`.
    pub path_and_query: String,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// Why a signed URL is refused (all answer the same 404 to the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Past its expiry.
    #[error("signed URL expired")]
    Expired,
    /// Expiry further away than [`MAX_TTL`]: not one we issued.
    #[error("signed URL expiry is too far in the future")]
    TooLong,
    /// The MAC does not match.
    #[error("signed URL signature is invalid")]
    Invalid,
}

impl UrlSigner {
    /// Derives the signing key from the master key (HKDF info `omnicrm/file-url/v1`).
    pub fn derive(master: &[u8]) -> Self {
        Self {
            key: hmac::Key::new(
                hmac::HMAC_SHA256,
                &derive_subkey(master, b"omnicrm/file-url/v1"),
            ),
            subject: hmac::Key::new(
                hmac::HMAC_SHA256,
                &derive_subkey(master, b"omnicrm/erasure-subject/v1"),
            ),
        }
    }

    /// The keyed hash naming `user` in an erasure receipt (HMAC-SHA256 under a key derived
    /// with HKDF info `omnicrm/erasure-subject/v1`, base64url): stable for the same user
    /// and master key, meaningless to anyone without the key. It lives here because this
    /// signer is what services hold of the master key.
    pub fn erasure_subject(&self, user: UserId) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.subject, user.into_uuid().as_bytes()).as_ref())
    }

    /// A URL for `key` valid for `ttl` (capped at [`MAX_TTL`]) from `now`.
    pub fn sign(&self, key: &ObjectKey, now: OffsetDateTime, ttl: Duration) -> SignedUrl {
        let ttl = ttl.min(MAX_TTL);
        let expires_at = now + ttl;
        let exp = expires_at.unix_timestamp();
        let mac = hmac::sign(&self.key, signing_input(key, exp).as_bytes());
        SignedUrl {
            path_and_query: format!(
                "{FILES_PATH}{}?exp={exp}&sig={}",
                key.as_str(),
                URL_SAFE_NO_PAD.encode(mac.as_ref())
            ),
            expires_at,
        }
    }

    /// Checks a presented `exp` and `sig` for `key` at `now`.
    pub fn verify(
        &self,
        key: &ObjectKey,
        exp: i64,
        sig: &str,
        now: OffsetDateTime,
    ) -> Result<(), SignatureError> {
        let mac = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| SignatureError::Invalid)?;
        hmac::verify(&self.key, signing_input(key, exp).as_bytes(), &mac)
            .map_err(|_| SignatureError::Invalid)?;
        let now = now.unix_timestamp();
        if exp <= now {
            return Err(SignatureError::Expired);
        }
        // One second of slack for the rounding of `exp` to whole seconds.
        if exp - now > MAX_TTL.as_secs() as i64 + 1 {
            return Err(SignatureError::TooLong);
        }
        Ok(())
    }
}

fn signing_input(key: &ObjectKey, exp: i64) -> String {
    format!("omnicrm-file/v1\n{}\n{}\n{exp}", key.owner(), key.as_str())
}

#[cfg(test)]
mod tests {
    use omnicrm_domain::UserId;

    use super::*;

    fn parts(url: &SignedUrl) -> (ObjectKey, i64, String) {
        let rest = url.path_and_query.strip_prefix(FILES_PATH).unwrap();
        let (key, query) = rest.split_once('?').unwrap();
        let (exp, sig) = query.split_once('&').unwrap();
        (
            ObjectKey::parse(key).unwrap(),
            exp.strip_prefix("exp=").unwrap().parse().unwrap(),
            sig.strip_prefix("sig=").unwrap().to_owned(),
        )
    }

    #[test]
    fn a_signed_url_verifies_until_it_expires() {
        let signer = UrlSigner::derive(&[1; 32]);
        let key = ObjectKey::generate(UserId::generate(), "photos", "jpg").unwrap();
        let now = OffsetDateTime::now_utc();
        let url = signer.sign(&key, now, Duration::from_secs(600));
        let (k, exp, sig) = parts(&url);
        assert_eq!(k, key);
        assert_eq!(signer.verify(&key, exp, &sig, now), Ok(()));
        assert_eq!(
            signer.verify(&key, exp, &sig, now + Duration::from_secs(601)),
            Err(SignatureError::Expired)
        );
    }

    #[test]
    fn tampering_with_key_expiry_or_signature_is_refused() {
        let signer = UrlSigner::derive(&[1; 32]);
        let key = ObjectKey::generate(UserId::generate(), "photos", "jpg").unwrap();
        let other = ObjectKey::generate(UserId::generate(), "photos", "jpg").unwrap();
        let now = OffsetDateTime::now_utc();
        let (_, exp, sig) = parts(&signer.sign(&key, now, Duration::from_secs(60)));
        assert_eq!(
            signer.verify(&other, exp, &sig, now),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            signer.verify(&key, exp + 3600, &sig, now),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            signer.verify(&key, exp, "AAAA", now),
            Err(SignatureError::Invalid)
        );
        let foreign = UrlSigner::derive(&[2; 32]);
        assert_eq!(
            foreign.verify(&key, exp, &sig, now),
            Err(SignatureError::Invalid)
        );
    }

    #[test]
    fn ttl_is_capped_at_an_hour() {
        let signer = UrlSigner::derive(&[1; 32]);
        let key = ObjectKey::generate(UserId::generate(), "photos", "jpg").unwrap();
        let now = OffsetDateTime::now_utc();
        let url = signer.sign(&key, now, Duration::from_secs(86_400));
        assert_eq!(url.expires_at, now + MAX_TTL);
    }
}
