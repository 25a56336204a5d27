//! The token vault: OAuth tokens are sealed with AES-256-GCM before they reach the
//! database, under a key named by its id in `OMNICRM_ENCRYPTION_KEYS` (current key first).
//!
//! Sealed form: `v2:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`. The cipher key is
//! HKDF-derived from the master key for this purpose only, and the additional data binds
//! the ciphertext to its row and column ([`SealedFor`]), so a sealed refresh token copied
//! into another user's row (or into the access-token column) does not open.
//!
//! The original system's form `v1:<b64url iv>:<b64url ciphertext>:<b64url tag>` (key
//! `HMAC-SHA256(master, "enc")`, no additional data) is still read, with every configured
//! key tried, so an operator migrating lists the original master key (base64 of its 32
//! bytes) among `OMNICRM_ENCRYPTION_KEYS`. An opened value reports whether it should be
//! re-sealed under the current key ([`Opened::stale`]); the rotation job does that.
//! Values without a known prefix (the original's plaintext fallback) are refused: a token
//! stored in clear must be reconnected, not trusted.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use uuid::Uuid;

use crate::keys::derive_subkey;

/// HKDF info of the token-sealing sub-key.
const SEAL_INFO: &[u8] = b"omnicrm/token-vault/v2";
/// The current format's prefix.
const V2: &str = "v2";
/// The original system's prefix.
const V1: &str = "v1";
/// GCM tag length in bytes.
const TAG_LEN: usize = 16;

/// Which row and column a sealed value belongs to (the AEAD additional data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedFor<'a> {
    /// The owner.
    pub user: Uuid,
    /// `google`.
    pub provider: &'a str,
    /// `gmail`, `calendar`, ...
    pub service: &'a str,
    /// `access_token` or `refresh_token`.
    pub column: &'a str,
}

impl SealedFor<'_> {
    fn aad(&self) -> Vec<u8> {
        format!(
            "omnicrm-token|{}|{}|{}|{}",
            self.user, self.provider, self.service, self.column
        )
        .into_bytes()
    }
}

/// Why a value could not be sealed or opened. Never carries the value itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// No key is configured.
    #[error("no encryption key is configured")]
    NoKey,
    /// The value is not in a sealed form this vault reads.
    #[error("sealed value is malformed or in an unknown format")]
    Malformed,
    /// The value names a key id that is not configured.
    #[error("sealed value names a key that is not configured")]
    UnknownKey,
    /// Authentication failed: wrong key, wrong row, or tampering.
    #[error("sealed value does not authenticate")]
    Unauthentic,
    /// The system random source failed.
    #[error("random source failed")]
    Random,
}

/// A value opened from the vault.
pub struct Opened {
    /// The plaintext token.
    pub secret: String,
    /// Sealed under an old key or in the original's format: re-seal it.
    pub stale: bool,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("secret", &"<redacted>")
            .field("stale", &self.stale)
            .finish()
    }
}

struct VaultKey {
    id: String,
    seal: LessSafeKey,
    legacy: LessSafeKey,
}

/// Seals and opens tokens; cheap to clone.
#[derive(Clone)]
pub struct TokenVault {
    keys: std::sync::Arc<Vec<VaultKey>>,
    rng: SystemRandom,
}

impl std::fmt::Debug for TokenVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("TokenVault").field("key_ids", &ids).finish()
    }
}

fn aes_key(bytes: &[u8; 32]) -> Option<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, bytes)
        .ok()
        .map(LessSafeKey::new)
}

impl TokenVault {
    /// A vault over `(id, master key)` pairs, current key first (the form
    /// `OMNICRM_ENCRYPTION_KEYS` is parsed into). Ids must not contain `:`.
    pub fn new(keys: &[(String, Vec<u8>)]) -> Self {
        let keys = keys
            .iter()
            .filter(|(id, _)| !id.is_empty() && !id.contains(':'))
            .filter_map(|(id, master)| {
                let seal = aes_key(&derive_subkey(master, SEAL_INFO))?;
                let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, master), b"enc");
                let mut legacy_bytes = [0_u8; 32];
                legacy_bytes.copy_from_slice(tag.as_ref());
                let legacy = aes_key(&legacy_bytes)?;
                Some(VaultKey {
                    id: id.clone(),
                    seal,
                    legacy,
                })
            })
            .collect();
        Self {
            keys: std::sync::Arc::new(keys),
            rng: SystemRandom::new(),
        }
    }

    /// The id new values are sealed under.
    pub fn current_key_id(&self) -> Option<&str> {
        self.keys.first().map(|k| k.id.as_str())
    }

    /// Seals `secret` for the row and column `to` under the current key.
    pub fn seal(&self, to: SealedFor<'_>, secret: &str) -> Result<String, VaultError> {
        let key = self.keys.first().ok_or(VaultError::NoKey)?;
        let mut nonce = [0_u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| VaultError::Random)?;
        let mut buf = secret.as_bytes().to_vec();
        key.seal
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(to.aad()),
                &mut buf,
            )
            .map_err(|_| VaultError::Unauthentic)?;
        let mut out = Vec::with_capacity(NONCE_LEN + buf.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        Ok(format!("{V2}:{}:{}", key.id, URL_SAFE_NO_PAD.encode(out)))
    }

    /// Opens a value sealed for `to` (this vault's `v2:` form or the original's `v1:`).
    pub fn open(&self, to: SealedFor<'_>, sealed: &str) -> Result<Opened, VaultError> {
        let mut parts = sealed.split(':');
        match parts.next() {
            Some(V2) => {
                let (Some(id), Some(body), None) = (parts.next(), parts.next(), parts.next())
                else {
                    return Err(VaultError::Malformed);
                };
                let position = self
                    .keys
                    .iter()
                    .position(|k| k.id == id)
                    .ok_or(VaultError::UnknownKey)?;
                let raw = URL_SAFE_NO_PAD
                    .decode(body)
                    .map_err(|_| VaultError::Malformed)?;
                if raw.len() < NONCE_LEN + TAG_LEN {
                    return Err(VaultError::Malformed);
                }
                let (nonce, rest) = raw.split_at(NONCE_LEN);
                let secret = open_with(&self.keys[position].seal, nonce, rest, &to.aad())?;
                Ok(Opened {
                    secret,
                    stale: position != 0,
                })
            }
            Some(V1) => {
                let (Some(iv), Some(ct), Some(tag), None) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    return Err(VaultError::Malformed);
                };
                let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('='));
                let (Ok(iv), Ok(ct), Ok(tag)) = (decode(iv), decode(ct), decode(tag)) else {
                    return Err(VaultError::Malformed);
                };
                if iv.len() != NONCE_LEN || tag.len() != TAG_LEN {
                    return Err(VaultError::Malformed);
                }
                let mut body = ct;
                body.extend_from_slice(&tag);
                if self.keys.is_empty() {
                    return Err(VaultError::NoKey);
                }
                self.keys
                    .iter()
                    .find_map(|k| open_with(&k.legacy, &iv, &body, &[]).ok())
                    .map(|secret| Opened {
                        secret,
                        stale: true,
                    })
                    .ok_or(VaultError::Unauthentic)
            }
            _ => Err(VaultError::Malformed),
        }
    }
}

fn open_with(
    key: &LessSafeKey,
    nonce: &[u8],
    body: &[u8],
    aad: &[u8],
) -> Result<String, VaultError> {
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| VaultError::Malformed)?;
    let mut buf = body.to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(aad), &mut buf)
        .map_err(|_| VaultError::Unauthentic)?;
    String::from_utf8(plain.to_vec()).map_err(|_| VaultError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to(column: &str) -> SealedFor<'_> {
        SealedFor {
            user: Uuid::from_u128(7),
            provider: "google",
            service: "gmail",
            column,
        }
    }

    fn vault(ids: &[(&str, u8)]) -> TokenVault {
        let keys: Vec<(String, Vec<u8>)> = ids
            .iter()
            .map(|(id, b)| ((*id).to_owned(), vec![*b; 32]))
            .collect();
        TokenVault::new(&keys)
    }

    /// The original's `v1:` writer: AES-256-GCM under HMAC-SHA256(master, "enc").
    fn seal_v1(master: &[u8], secret: &str) -> String {
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, master), b"enc");
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, tag.as_ref()).unwrap());
        let iv = [3_u8; NONCE_LEN];
        let mut buf = secret.as_bytes().to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(iv), Aad::empty(), &mut buf)
            .unwrap();
        let (ct, t) = buf.split_at(buf.len() - TAG_LEN);
        format!(
            "v1:{}:{}:{}",
            URL_SAFE_NO_PAD.encode(iv),
            URL_SAFE_NO_PAD.encode(ct),
            URL_SAFE_NO_PAD.encode(t)
        )
    }

    #[test]
    fn seals_and_opens_without_the_plaintext_in_the_sealed_form() {
        let v = vault(&[("k1", 1)]);
        let sealed = v.seal(to("access_token"), "ya29.secret-token").unwrap();
        assert!(sealed.starts_with("v2:k1:"));
        assert!(!sealed.contains("secret-token"));
        let opened = v.open(to("access_token"), &sealed).unwrap();
        assert_eq!(opened.secret, "ya29.secret-token");
        assert!(!opened.stale);
        // A fresh nonce every time.
        assert_ne!(
            sealed,
            v.seal(to("access_token"), "ya29.secret-token").unwrap()
        );
    }

    #[test]
    fn a_value_moved_to_another_row_or_column_does_not_open() {
        let v = vault(&[("k1", 1)]);
        let sealed = v.seal(to("refresh_token"), "1//refresh").unwrap();
        assert_eq!(
            v.open(to("access_token"), &sealed).unwrap_err(),
            VaultError::Unauthentic
        );
        let other = SealedFor {
            user: Uuid::from_u128(8),
            ..to("refresh_token")
        };
        assert_eq!(v.open(other, &sealed).unwrap_err(), VaultError::Unauthentic);
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_reports_them_stale() {
        let old = vault(&[("k1", 1)]);
        let sealed = old.seal(to("access_token"), "tok").unwrap();
        let rotated = vault(&[("k2", 2), ("k1", 1)]);
        let opened = rotated.open(to("access_token"), &sealed).unwrap();
        assert_eq!(opened.secret, "tok");
        assert!(opened.stale);
        let resealed = rotated.seal(to("access_token"), &opened.secret).unwrap();
        assert!(resealed.starts_with("v2:k2:"));
        assert_eq!(
            vault(&[("k2", 2)])
                .open(to("access_token"), &sealed)
                .unwrap_err(),
            VaultError::UnknownKey
        );
    }

    #[test]
    fn reads_the_original_v1_format() {
        let v = vault(&[("new", 2), ("legacy", 9)]);
        let sealed = seal_v1(&[9_u8; 32], "ya29.from-the-original");
        let opened = v.open(to("access_token"), &sealed).unwrap();
        assert_eq!(opened.secret, "ya29.from-the-original");
        assert!(opened.stale);
        assert_eq!(
            vault(&[("new", 2)])
                .open(to("access_token"), &sealed)
                .unwrap_err(),
            VaultError::Unauthentic
        );
    }

    #[test]
    fn refuses_plaintext_tampering_and_garbage() {
        let v = vault(&[("k1", 1)]);
        assert_eq!(
            v.open(to("access_token"), "ya29.plain").unwrap_err(),
            VaultError::Malformed
        );
        let sealed = v.seal(to("access_token"), "tok").unwrap();
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(v.open(to("access_token"), &tampered).is_err());
        for junk in ["v2:", "v2:k1:", "v2:k1:!!", "v1:a:b", "v1:::", "v2:k1:AA:x"] {
            assert!(v.open(to("access_token"), junk).is_err(), "{junk}");
        }
        assert_eq!(
            vault(&[]).seal(to("access_token"), "x").unwrap_err(),
            VaultError::NoKey
        );
    }
}
