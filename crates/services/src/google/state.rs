//! The OAuth `state`: `base64url(user ‖ pending id ‖ service ‖ expiry) . base64url(HMAC)`.
//! The HMAC (a key derived for this purpose only) binds the state to the user, the service
//! and the expiry; the pending row it names makes it single-use (the callback deletes it).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use omnicrm_domain::UserId;
use omnicrm_domain::google::GoogleService;
use omnicrm_integrations::keys::derive_subkey;
use ring::hmac;
use time::OffsetDateTime;
use uuid::Uuid;

/// How long a consent screen may take.
pub const STATE_TTL: time::Duration = time::Duration::minutes(10);

const PAYLOAD_LEN: usize = 16 + 16 + 1 + 8;
/// Longest state we look at (base64 of payload and MAC, with room to spare).
const MAX_STATE_LEN: usize = 128;

/// Why a state is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Malformed, or the MAC does not match.
    #[error("invalid OAuth state")]
    Invalid,
    /// Signed by us, but past its expiry.
    #[error("expired OAuth state")]
    Expired,
}

/// What a valid state says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateClaims {
    /// Who started the connection.
    pub user: UserId,
    /// The pending row.
    pub id: Uuid,
    /// The service being connected.
    pub service: GoogleService,
    /// Expiry.
    pub expires_at: OffsetDateTime,
}

/// Signs and verifies OAuth states.
#[derive(Clone)]
pub struct StateSigner {
    key: hmac::Key,
}

impl std::fmt::Debug for StateSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateSigner(..)")
    }
}

fn service_byte(service: GoogleService) -> u8 {
    match service {
        GoogleService::Gmail => 1,
        GoogleService::Calendar => 2,
    }
}

impl StateSigner {
    /// Derives the key from the current master key (HKDF info `omnicrm/google-oauth-state/v1`).
    pub fn derive(master: &[u8]) -> Self {
        let key = derive_subkey(master, b"omnicrm/google-oauth-state/v1");
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, &key),
        }
    }

    /// The state for a pending connection.
    pub fn sign(
        &self,
        user: UserId,
        id: Uuid,
        service: GoogleService,
        expires_at: OffsetDateTime,
    ) -> Result<String, StateError> {
        let mut payload = Vec::with_capacity(PAYLOAD_LEN);
        payload.extend_from_slice(user.into_uuid().as_bytes());
        payload.extend_from_slice(id.as_bytes());
        payload.push(service_byte(service));
        payload.extend_from_slice(&expires_at.unix_timestamp().to_be_bytes());
        let mac = hmac::sign(&self.key, &payload);
        Ok(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(mac.as_ref())
        ))
    }

    /// Checks the MAC, then the expiry.
    pub fn verify(&self, state: &str) -> Result<StateClaims, StateError> {
        if state.len() > MAX_STATE_LEN {
            return Err(StateError::Invalid);
        }
        let (payload, mac) = state.split_once('.').ok_or(StateError::Invalid)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| StateError::Invalid)?;
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| StateError::Invalid)?;
        if payload.len() != PAYLOAD_LEN {
            return Err(StateError::Invalid);
        }
        hmac::verify(&self.key, &payload, &mac).map_err(|_| StateError::Invalid)?;
        let uuid_at = |at: usize| {
            let mut b = [0_u8; 16];
            b.copy_from_slice(&payload[at..at + 16]);
            Uuid::from_bytes(b)
        };
        let service = match payload[32] {
            1 => GoogleService::Gmail,
            2 => GoogleService::Calendar,
            _ => return Err(StateError::Invalid),
        };
        let mut exp = [0_u8; 8];
        exp.copy_from_slice(&payload[33..41]);
        let expires_at = OffsetDateTime::from_unix_timestamp(i64::from_be_bytes(exp))
            .map_err(|_| StateError::Invalid)?;
        if expires_at <= OffsetDateTime::now_utc() {
            return Err(StateError::Expired);
        }
        Ok(StateClaims {
            user: UserId::from(uuid_at(0)),
            id: uuid_at(16),
            service,
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_verifies_once_signed_and_not_after_any_change() {
        let signer = StateSigner::derive(&[1; 32]);
        let user = UserId::from(Uuid::from_u128(5));
        let id = Uuid::from_u128(9);
        let exp = OffsetDateTime::now_utc() + STATE_TTL;
        let state = signer.sign(user, id, GoogleService::Calendar, exp).unwrap();
        let claims = signer.verify(&state).unwrap();
        assert_eq!(claims.user, user);
        assert_eq!(claims.id, id);
        assert_eq!(claims.service, GoogleService::Calendar);
        // Another key, a flipped byte, a truncated MAC: all refused.
        assert_eq!(
            StateSigner::derive(&[2; 32]).verify(&state),
            Err(StateError::Invalid)
        );
        let mut bytes = state.clone().into_bytes();
        bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
        assert!(signer.verify(std::str::from_utf8(&bytes).unwrap()).is_err());
        assert!(signer.verify(&state[..state.len() - 4]).is_err());
        assert!(signer.verify("").is_err());
        assert!(signer.verify(&"a".repeat(10_000)).is_err());
        let past = signer
            .sign(
                user,
                id,
                GoogleService::Gmail,
                OffsetDateTime::now_utc() - STATE_TTL,
            )
            .unwrap();
        assert_eq!(signer.verify(&past), Err(StateError::Expired));
    }
}
