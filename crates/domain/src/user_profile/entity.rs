//! The profile entity: what `/user-profile` returns.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::UserId;

/// A practitioner's profile (one per user).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    /// Owner.
    pub user_id: UserId,
    /// Preferred name.
    pub preferred_name: Option<String>,
    /// Organisation.
    pub organization_name: Option<String>,
    /// Profile photo location.
    pub profile_photo_url: Option<String>,
    /// Bio.
    pub bio: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// IANA time zone defining the user's "today".
    pub timezone: String,
    /// BCP 47 language tag; the language of search stemming (null: none).
    pub locale: Option<String>,
    /// Created (null until the profile is first saved).
    #[serde(with = "crate::timestamp::option")]
    pub created_at: Option<OffsetDateTime>,
    /// Last changed (null until the profile is first saved).
    #[serde(with = "crate::timestamp::option")]
    pub updated_at: Option<OffsetDateTime>,
}

impl UserProfile {
    /// The profile of a user who never saved one: every field empty, time zone UTC.
    pub fn empty(user_id: UserId) -> Self {
        Self {
            user_id,
            preferred_name: None,
            organization_name: None,
            profile_photo_url: None,
            bio: None,
            phone: None,
            website: None,
            timezone: DEFAULT_TIMEZONE.to_owned(),
            locale: None,
            created_at: None,
            updated_at: None,
        }
    }
}

/// Time zone of a user who has not chosen one.
pub const DEFAULT_TIMEZONE: &str = "UTC";
