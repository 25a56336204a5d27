use serde::Serialize;
use time::OffsetDateTime;

use crate::entities::OnboardingToken;
use crate::{ContactId, OnboardingTokenId};

/// Answer of `POST /onboarding/admin/tokens`: the only time the token is shown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingTokenCreated {
    /// Id of the link (for list, get, disable and delete).
    pub id: OnboardingTokenId,
    /// The secret token (43 base64url characters); only its SHA-256 is stored.
    pub token: String,
    /// `OMNICRM_PUBLIC_URL/onboard/<token>`, the link to send to the client.
    pub public_url: String,
    /// Expiry.
    #[serde(with = "crate::timestamp")]
    pub expires_at: OffsetDateTime,
    /// The practitioner's label.
    pub label: Option<String>,
    /// Submissions the link accepts.
    pub max_uses: i32,
}

/// A link as the practitioner sees it later (never with its token).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingTokenInfo {
    /// Id.
    pub id: OnboardingTokenId,
    /// The practitioner's label.
    pub label: Option<String>,
    /// Expiry.
    #[serde(with = "crate::timestamp")]
    pub expires_at: OffsetDateTime,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Submissions the link accepts.
    pub max_uses: i32,
    /// Submissions so far.
    pub used_count: i32,
    /// Switched off by the practitioner.
    pub disabled: bool,
    /// Usable now: not disabled, not expired, not used up.
    pub is_active: bool,
    /// Times the public page was opened.
    pub access_count: i32,
    /// Times the form was started.
    pub form_started_count: i32,
    /// Times the form was submitted.
    pub submission_count: i32,
    /// Last time the public page was opened.
    #[serde(with = "crate::timestamp::option")]
    pub last_accessed_at: Option<OffsetDateTime>,
}

impl OnboardingTokenInfo {
    /// The public view of `token` at `now`.
    pub fn new(token: OnboardingToken, now: OffsetDateTime) -> Self {
        Self {
            is_active: token.is_active(now),
            id: token.id,
            label: token.label,
            expires_at: token.expires_at,
            created_at: token.created_at,
            max_uses: token.max_uses,
            used_count: token.used_count,
            disabled: token.disabled,
            access_count: token.access_count,
            form_started_count: token.form_started_count,
            submission_count: token.submission_count,
            last_accessed_at: token.last_accessed_at,
        }
    }
}

/// Who sent the link, as far as their profile says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PractitionerInfo {
    /// The practitioner's preferred name.
    pub name: Option<String>,
    /// Their organisation.
    pub organization: Option<String>,
}

/// Answer of `GET /onboarding/public/tokens/{token}` for a usable link.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicTokenStatus {
    /// Always true (an unusable link is 404).
    pub valid: bool,
    /// Expiry.
    #[serde(with = "crate::timestamp")]
    pub expires_at: OffsetDateTime,
    /// The practitioner's label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Who sent the link (absent without a profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub practitioner: Option<PractitionerInfo>,
}

/// Answer of `POST /onboarding/public/upload-photo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhotoUploaded {
    /// Pass as `photoPath` to submit with the same token.
    pub file_path: String,
    /// Bytes stored (after preparation).
    pub file_size: i32,
    /// Bytes uploaded.
    pub original_size: i32,
}

/// Answer of `POST /onboarding/public/submit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingSubmitted {
    /// The contact created or updated.
    pub contact_id: ContactId,
}
