//! Possible duplicates (contacts sharing an email or phone, marked by onboarding
//! submissions), their list, and merging two contacts into one.

use garde::Validate;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ContactId;
use crate::pagination::{DEFAULT_PAGE_SIZE, PageRequest};

/// What two possibly duplicate contacts share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateMatch {
    /// The email, case-insensitively (as primary email or email identity).
    Email,
    /// The phone number, in E.164 (as primary phone or phone identity).
    Phone,
}

impl DuplicateMatch {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }

    /// Parses the stored form.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "email" => Some(Self::Email),
            "phone" => Some(Self::Phone),
            _ => None,
        }
    }
}

/// The other contact of a possible-duplicate mark, as a contact's detail view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PossibleDuplicate {
    /// The other contact.
    pub contact_id: ContactId,
    /// Its name.
    pub display_name: String,
    /// What the two share.
    pub matched: DuplicateMatch,
    /// When the mark was made.
    #[serde(with = "crate::timestamp")]
    pub marked_at: OffsetDateTime,
}

/// One side of a possible-duplicate pair in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateSide {
    /// Id.
    pub id: ContactId,
    /// Name.
    pub display_name: String,
    /// Primary email.
    pub primary_email: Option<String>,
    /// Primary phone.
    pub primary_phone: Option<String>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// An item of `GET /contacts/duplicates`: `contact` (the newer one, which a submission
/// created) may be the same person as `existing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DuplicatePair {
    /// The newer contact.
    pub contact: DuplicateSide,
    /// The contact it shares an email or phone with.
    pub existing: DuplicateSide,
    /// What they share.
    pub matched: DuplicateMatch,
    /// When the mark was made.
    #[serde(with = "crate::timestamp")]
    pub marked_at: OffsetDateTime,
}

/// Query of `GET /contacts/duplicates` (newest marks first).
#[derive(Debug, Clone, Deserialize, Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DuplicateListQuery {
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

impl DuplicateListQuery {
    /// The requested page.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

fn default_page() -> u32 {
    1
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

/// Which contact's value a merge keeps for a field both have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MergeSide {
    /// The surviving contact's (the default).
    #[default]
    Survivor,
    /// The duplicate's, when it has one.
    Duplicate,
}

/// Per field, whose value wins when both contacts have one. Absent fields keep the
/// survivor's value; an empty field of the survivor is always filled from the duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MergePreferences {
    /// Name.
    pub display_name: Option<MergeSide>,
    /// Primary email.
    pub primary_email: Option<MergeSide>,
    /// Primary phone.
    pub primary_phone: Option<MergeSide>,
    /// Photo.
    pub photo: Option<MergeSide>,
    /// Source.
    pub source: Option<MergeSide>,
    /// Lifecycle stage.
    pub lifecycle_stage: Option<MergeSide>,
    /// Client status.
    pub client_status: Option<MergeSide>,
    /// Referral source.
    pub referral_source: Option<MergeSide>,
    /// Confidence score.
    pub confidence_score: Option<MergeSide>,
    /// Date of birth.
    pub date_of_birth: Option<MergeSide>,
    /// Emergency contact name.
    pub emergency_contact_name: Option<MergeSide>,
    /// Emergency contact phone.
    pub emergency_contact_phone: Option<MergeSide>,
    /// Address.
    pub address: Option<MergeSide>,
    /// Health context.
    pub health_context: Option<MergeSide>,
    /// Preferences.
    pub preferences: Option<MergeSide>,
}

/// Body of `POST /contacts/{id}/merge`: merge `duplicateId` into the contact of the path.
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MergeContacts {
    /// The contact to merge in and delete.
    #[garde(skip)]
    #[schema(value_type = String, format = Uuid)]
    pub duplicate_id: ContactId,
    /// Fields for which the duplicate's value wins (`{"displayName": "duplicate"}`).
    #[garde(skip)]
    #[serde(default)]
    pub prefer: MergePreferences,
}

/// Kinds of [`ContactHistoryEntry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactHistoryKind {
    /// A public onboarding submission created the contact (`detail.tokenId`).
    OnboardingSubmission,
    /// Another contact was merged into this one (`detail.mergedContactId`,
    /// `detail.fieldsTaken`).
    Merge,
}

impl ContactHistoryKind {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnboardingSubmission => "onboarding_submission",
            Self::Merge => "merge",
        }
    }

    /// Parses the stored form.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "onboarding_submission" => Some(Self::OnboardingSubmission),
            "merge" => Some(Self::Merge),
            _ => None,
        }
    }
}

/// One event of a contact's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactHistoryEntry {
    /// What happened.
    pub kind: ContactHistoryKind,
    /// Details of the kind (camelCase keys).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// When.
    #[serde(with = "crate::timestamp")]
    pub occurred_at: OffsetDateTime,
}

/// How many history entries the detail view shows (newest first).
pub const DETAIL_HISTORY_COUNT: i64 = 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_name_fields_and_refuse_unknown_ones() {
        let body: MergeContacts = serde_json::from_value(serde_json::json!({
            "duplicateId": ContactId::generate(),
            "prefer": {"displayName": "duplicate", "address": "survivor"}
        }))
        .unwrap();
        assert_eq!(body.prefer.display_name, Some(MergeSide::Duplicate));
        assert_eq!(body.prefer.address, Some(MergeSide::Survivor));
        assert_eq!(body.prefer.photo, None);
        let unknown = serde_json::from_value::<MergeContacts>(serde_json::json!({
            "duplicateId": ContactId::generate(),
            "prefer": {"userId": "duplicate"}
        }));
        assert!(unknown.is_err());
    }
}
