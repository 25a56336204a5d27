//! Onboarding tokens (the token hash is never exposed).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{OnboardingTokenId, UserId};

/// An onboarding link's token, without its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingToken {
    /// Id.
    pub id: OnboardingTokenId,
    /// Owner.
    pub user_id: UserId,
    /// Practitioner's label.
    pub label: Option<String>,
    /// Expiry.
    #[serde(with = "crate::timestamp")]
    pub expires_at: OffsetDateTime,
    /// Allowed submissions (at least 1).
    pub max_uses: i32,
    /// Submissions so far.
    pub used_count: i32,
    /// Who created it.
    pub created_by: UserId,
    /// Switched off by the practitioner.
    pub disabled: bool,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last time the public link was opened.
    #[serde(with = "crate::timestamp::option")]
    pub last_accessed_at: Option<OffsetDateTime>,
    /// Times the public link was opened.
    pub access_count: i32,
    /// Times the form was started.
    pub form_started_count: i32,
    /// Times the form was submitted.
    pub submission_count: i32,
}

impl OnboardingToken {
    /// Usable at `now`: not disabled, not expired and not used up.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        !self.disabled && self.expires_at > now && self.used_count < self.max_uses
    }

    /// Submissions still allowed (0 once used up).
    pub fn remaining_uses(&self) -> i32 {
        (self.max_uses - self.used_count).max(0)
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;
    use time::macros::datetime;

    use super::*;

    fn token() -> OnboardingToken {
        OnboardingToken {
            id: OnboardingTokenId::generate(),
            user_id: UserId::generate(),
            label: None,
            expires_at: datetime!(2026-12-01 00:00 UTC),
            max_uses: 2,
            used_count: 1,
            created_by: UserId::generate(),
            disabled: false,
            created_at: datetime!(2026-11-01 00:00 UTC),
            last_accessed_at: None,
            access_count: 0,
            form_started_count: 0,
            submission_count: 0,
        }
    }

    #[test]
    fn is_active() {
        let now = datetime!(2026-11-27 00:00 UTC);
        let t = token();
        assert!(t.is_active(now));
        assert_eq!(t.remaining_uses(), 1);
        assert!(!t.is_active(t.expires_at));
        assert!(!t.is_active(t.expires_at + Duration::seconds(1)));
        assert!(
            !OnboardingToken {
                disabled: true,
                ..token()
            }
            .is_active(now)
        );
        assert!(
            !OnboardingToken {
                used_count: 2,
                ..token()
            }
            .is_active(now)
        );
    }

    #[test]
    fn never_serialises_a_hash() {
        let json = serde_json::to_value(token()).unwrap();
        let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        assert!(keys.iter().all(|k| !k.to_lowercase().contains("hash")));
        assert!(keys.contains(&"lastAccessedAt".to_owned()));
    }
}
