//! Onboarding token secrets: generation, hashing and the link built from them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use omnicrm_problem::AppError;
use ring::rand::{SecureRandom, SystemRandom};

/// Random bytes in a token (256 bits).
pub const TOKEN_BYTES: usize = 32;

/// A fresh token: 32 bytes from the OS's CSPRNG, base64url without padding (43 chars).
pub fn generate_token() -> Result<String, AppError> {
    let mut bytes = [0_u8; TOKEN_BYTES];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| AppError::internal("the system random number generator failed"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256 of the token as presented: the only form that is stored.
pub fn hash_token(token: &str) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    let mut out = [0_u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Hex SHA-256 of the token, to name it where the token itself must not appear (rate
/// limit buckets, logs).
pub fn token_fingerprint(token: &str) -> String {
    hash_token(token)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The link a practitioner sends: `<public url>/onboard/<token>`.
pub fn public_link(public_url: &str, token: &str) -> String {
    format!("{}/onboard/{token}", public_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_chars_and_unique() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a, b);
    }

    #[test]
    fn hashes_are_sha256() {
        // sha256("abc")
        assert_eq!(
            token_fingerprint("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hash_token("abc").len(), 32);
    }

    #[test]
    fn links_join_cleanly() {
        assert_eq!(
            public_link("https://crm.example/", "t"),
            "https://crm.example/onboard/t"
        );
        assert_eq!(
            public_link("http://127.0.0.1:8080", "t"),
            "http://127.0.0.1:8080/onboard/t"
        );
    }
}
