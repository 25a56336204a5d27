use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::{ContactId, UserId};

/// Where a client stands with the practice.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ClientStatus {
    /// Currently seeing the practitioner.
    #[default]
    Active,
    /// Not currently booked.
    Inactive,
    /// Showing signs of dropping off.
    AtRisk,
    /// Gone.
    Churned,
}

impl ClientStatus {
    /// The stored and serialised spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::AtRisk => "at_risk",
            Self::Churned => "churned",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Active, Self::Inactive, Self::AtRisk, Self::Churned]
            .into_iter()
            .find(|s| s.as_str() == value)
    }
}

/// Postal address (stored as JSON).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, garde::Validate, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Address {
    /// Street and number.
    #[garde(length(chars, max = 200))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// City.
    #[garde(length(chars, max = 100))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[garde(length(chars, max = 100))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[garde(length(chars, max = 20))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country.
    #[garde(length(chars, max = 100))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// Health background (sensitive; stored as JSON).
#[omnicrm_schema_derive::garde_schema]
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, garde::Validate, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthContext {
    /// Conditions.
    #[garde(length(max = 50), inner(length(chars, min = 1, max = 200)))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// Medications.
    #[garde(length(max = 50), inner(length(chars, min = 1, max = 200)))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub medications: Vec<String>,
    /// Allergies.
    #[garde(length(max = 50), inner(length(chars, min = 1, max = 200)))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allergies: Vec<String>,
    /// Free text.
    #[garde(length(chars, max = 5000))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// How a client likes to be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommunicationMethod {
    /// Email.
    Email,
    /// Phone call.
    Phone,
    /// Text message.
    Sms,
    /// Any of them.
    Any,
}

/// Communication preferences (stored as JSON).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, garde::Validate, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Preferences {
    /// Preferred channel.
    #[garde(skip)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication_method: Option<CommunicationMethod>,
    /// Preferred time of day, free text.
    #[garde(length(chars, max = 100))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_time: Option<String>,
    /// IANA time zone.
    #[garde(length(chars, max = 64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Language.
    #[garde(length(chars, max = 35))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Opted in to marketing.
    #[garde(skip)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketing_opt_in: Option<bool>,
}

/// A contact as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// Id.
    pub id: ContactId,
    /// Owner.
    pub user_id: UserId,
    /// Name shown everywhere.
    pub display_name: String,
    /// Main email.
    pub primary_email: Option<String>,
    /// Main phone.
    pub primary_phone: Option<String>,
    /// Signed, expiring URL of the contact's photo (null without a photo).
    pub photo_url: Option<String>,
    /// Where the contact came from (`manual`, `onboarding`, `calendar_attendee`, …).
    pub source: Option<String>,
    /// Free-form lifecycle stage ("Prospect", "New Client", …).
    pub lifecycle_stage: Option<String>,
    /// Client status.
    pub client_status: ClientStatus,
    /// Who referred them.
    pub referral_source: Option<String>,
    /// Confidence 0..=1 that this is a real client (set by extraction).
    pub confidence_score: Option<f32>,
    /// Date of birth.
    #[serde(with = "ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub date_of_birth: Option<Date>,
    /// Emergency contact name.
    pub emergency_contact_name: Option<String>,
    /// Emergency contact phone.
    pub emergency_contact_phone: Option<String>,
    /// Postal address.
    pub address: Option<Address>,
    /// Health background.
    pub health_context: Option<HealthContext>,
    /// Communication preferences.
    pub preferences: Option<Preferences>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

time::serde::format_description!(pub(crate) ymd, Date, "[year]-[month]-[day]");
