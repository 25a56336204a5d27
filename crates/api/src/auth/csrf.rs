//! CSRF tokens for cookie-authenticated unsafe requests: `nonce.mac`, where the mac is an
//! HMAC-SHA256 of the user id and the nonce under a key derived from the encryption keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use uuid::Uuid;

/// Signs and verifies CSRF tokens.
#[derive(Clone)]
pub struct CsrfKey(hmac::Key);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(..)")
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

    /// A fresh token bound to `user`.
    pub fn issue(&self, user: Uuid) -> String {
        let mut nonce = [0_u8; 16];
        // SystemRandom only fails when the OS has no entropy source at all; a zero nonce
        // still yields a user-bound token, just a predictable-per-user one.
        let _ = SystemRandom::new().fill(&mut nonce);
        let nonce = URL_SAFE_NO_PAD.encode(nonce);
        let mac = hmac::sign(&self.0, signing_input(user, &nonce).as_bytes());
        format!("{nonce}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref()))
    }

    /// Whether `token` was issued for `user` under this key (constant-time compare).
    pub fn verify(&self, user: Uuid, token: &str) -> bool {
        let Some((nonce, mac)) = token.split_once('.') else {
            return false;
        };
        let Ok(mac) = URL_SAFE_NO_PAD.decode(mac) else {
            return false;
        };
        hmac::verify(&self.0, signing_input(user, nonce).as_bytes(), &mac).is_ok()
    }
}

fn signing_input(user: Uuid, nonce: &str) -> String {
    format!("{user}.{nonce}")
}

pub use omnicrm_services::integrations::keys::derive_subkey;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_user_and_key() {
        let key = CsrfKey::derive(&[7; 32]);
        let alice = Uuid::from_u128(1);
        let token = key.issue(alice);
        assert!(key.verify(alice, &token));
        assert!(!key.verify(Uuid::from_u128(2), &token));
        assert!(!CsrfKey::derive(&[8; 32]).verify(alice, &token));
        assert!(!key.verify(alice, "garbage"));
    }
}
