//! Sub-keys derived from the current master key (`OMNICRM_ENCRYPTION_KEYS`), one per
//! purpose, so a leaked URL-signing key says nothing about the CSRF or token-vault keys.

/// HKDF-SHA256 of `master` (salt `omnicrm`) with `info` naming the purpose.
pub fn derive_subkey(master: &[u8], info: &[u8]) -> [u8; 32] {
    let salt = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"omnicrm");
    let prk = salt.extract(master);
    let mut out = [0_u8; 32];
    let infos = [info];
    if let Ok(okm) = prk.expand(&infos, ring::hkdf::HKDF_SHA256) {
        // 32 bytes is exactly HKDF_SHA256's output length, so fill cannot fail.
        let _ = okm.fill(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::derive_subkey;

    #[test]
    fn purposes_get_different_keys() {
        let master = [7_u8; 32];
        assert_ne!(derive_subkey(&master, b"a"), derive_subkey(&master, b"b"));
        assert_eq!(derive_subkey(&master, b"a"), derive_subkey(&master, b"a"));
        assert_ne!(
            derive_subkey(&master, b"a"),
            derive_subkey(&[8_u8; 32], b"a")
        );
    }
}
