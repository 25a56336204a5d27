use garde::Validate;
use serde::Deserialize;
use time::Date;

use crate::contacts::{Address, HealthContext, Preferences};
use crate::entities::ConsentType;
use crate::pagination::{DEFAULT_PAGE_SIZE, PageRequest};
use crate::validate::{PHONE, not_blank, not_blank_opt};

/// Body of `POST /onboarding/admin/tokens`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateOnboardingToken {
    /// Hours until the link expires (1..=168, default 72).
    #[garde(range(min = 1, max = super::MAX_HOURS_VALID))]
    #[schema(maximum = 168)]
    #[serde(default = "default_hours_valid")]
    pub hours_valid: u32,
    /// The practitioner's note about who the link is for (≤ 100 characters).
    #[garde(length(chars, min = 1, max = 100), custom(not_blank_opt))]
    #[serde(default)]
    pub label: Option<String>,
    /// Submissions the link accepts (1..=100, default 1).
    #[garde(range(min = 1, max = super::MAX_USES))]
    #[schema(maximum = 100)]
    #[serde(default = "default_max_uses")]
    pub max_uses: u32,
}

impl Default for CreateOnboardingToken {
    fn default() -> Self {
        Self {
            hours_valid: default_hours_valid(),
            label: None,
            max_uses: default_max_uses(),
        }
    }
}

fn default_hours_valid() -> u32 {
    super::DEFAULT_HOURS_VALID
}

fn default_max_uses() -> u32 {
    1
}

/// Query of `GET /onboarding/admin/tokens` (newest first).
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OnboardingTokenListQuery {
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

impl Default for OnboardingTokenListQuery {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl OnboardingTokenListQuery {
    /// The requested page.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

pub(crate) fn default_page() -> u32 {
    1
}

pub(crate) fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

/// Body of `POST /onboarding/public/submit`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OnboardingSubmit {
    /// The token of the link.
    #[garde(length(chars, min = 1, max = 200))]
    pub token: String,
    /// Who the client is.
    #[garde(dive)]
    pub client: OnboardingClient,
    /// The consent the client gives with the form.
    #[garde(dive)]
    pub consent: OnboardingConsent,
    /// `filePath` of a photo uploaded with the same token (`/onboarding/public/upload-photo`).
    #[garde(length(chars, min = 1, max = 300))]
    #[serde(default)]
    pub photo_path: Option<String>,
}

/// The client's details on the public form. Address, health context and preferences
/// have the same shapes as on contacts.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OnboardingClient {
    /// Name shown to the practitioner.
    #[garde(length(chars, min = 1, max = 200), custom(not_blank))]
    pub display_name: String,
    /// Email (required; a contact of the practitioner with this email, compared
    /// case-insensitively, is updated instead of duplicated).
    #[garde(email, length(chars, max = 254))]
    pub primary_email: String,
    /// Phone.
    #[garde(pattern(PHONE))]
    #[schema(pattern = r"^\+?[0-9 ().\-]{3,25}( ?(ext\.?|x) ?[0-9]{1,6})?$")]
    #[serde(default)]
    pub primary_phone: Option<String>,
    /// Date of birth (`YYYY-MM-DD`).
    #[garde(skip)]
    #[serde(default, with = "crate::entities::ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub date_of_birth: Option<Date>,
    /// Emergency contact name.
    #[garde(length(chars, max = 200))]
    #[serde(default)]
    pub emergency_contact_name: Option<String>,
    /// Emergency contact phone.
    #[garde(pattern(PHONE))]
    #[schema(pattern = r"^\+?[0-9 ().\-]{3,25}( ?(ext\.?|x) ?[0-9]{1,6})?$")]
    #[serde(default)]
    pub emergency_contact_phone: Option<String>,
    /// How they heard of the practice.
    #[garde(length(chars, max = 200))]
    #[serde(default)]
    pub referral_source: Option<String>,
    /// Postal address.
    #[garde(dive)]
    #[serde(default)]
    pub address: Option<Address>,
    /// Health background.
    #[garde(dive)]
    #[serde(default)]
    pub health_context: Option<HealthContext>,
    /// Communication preferences.
    #[garde(dive)]
    #[serde(default)]
    pub preferences: Option<Preferences>,
}

/// The consent part of the public form; every field has a default.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OnboardingConsent {
    /// What is consented to (default `data_processing`).
    #[garde(skip)]
    #[serde(default = "default_consent_type")]
    pub consent_type: ConsentType,
    /// Version of the consent text shown (default `v1.0`).
    #[garde(length(chars, min = 1, max = 50), custom(not_blank))]
    #[serde(default = "default_consent_version")]
    pub consent_text_version: String,
    /// Granted (default true).
    #[garde(skip)]
    #[serde(default = "default_granted")]
    pub granted: bool,
    /// Signature drawn on the form, as SVG (≤ 100,000 bytes): only drawing elements
    /// (`svg`, `g`, `path`, `line`, `polyline`, `polygon`, `rect`, `circle`, `ellipse`)
    /// with geometry and presentation attributes; anything else is a 400.
    #[garde(custom(super::signature::signature_svg_rule))]
    #[serde(default)]
    pub signature_svg: Option<String>,
    /// Where a signature image is: an `https:` URL (≤ 2,048 bytes) or a
    /// `data:image/png;base64,` URL of a PNG (≤ 100,000 bytes).
    #[garde(custom(super::signature::signature_image_url_rule))]
    #[serde(default)]
    pub signature_image_url: Option<String>,
}

impl Default for OnboardingConsent {
    fn default() -> Self {
        Self {
            consent_type: default_consent_type(),
            consent_text_version: default_consent_version(),
            granted: default_granted(),
            signature_svg: None,
            signature_image_url: None,
        }
    }
}

fn default_consent_type() -> ConsentType {
    ConsentType::DataProcessing
}

fn default_consent_version() -> String {
    "v1.0".to_owned()
}

fn default_granted() -> bool {
    true
}

/// What happened on the public page (`POST /onboarding/public/track-access`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrackAction {
    /// The link was opened.
    PageView,
    /// The client started filling in the form.
    FormStart,
}

/// Body of `POST /onboarding/public/track-access`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrackAccess {
    /// The token of the link.
    #[garde(length(chars, min = 1, max = 200))]
    pub token: String,
    /// What happened (default `page_view`).
    #[garde(skip)]
    #[serde(default = "default_action")]
    pub action: TrackAction,
}

fn default_action() -> TrackAction {
    TrackAction::PageView
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn paths(report: &garde::Report) -> Vec<String> {
        report.iter().map(|(p, _)| p.to_string()).collect()
    }

    #[test]
    fn token_defaults_and_bounds() {
        let body: CreateOnboardingToken = serde_json::from_value(json!({})).unwrap();
        assert_eq!(
            (body.hours_valid, body.max_uses, body.label.clone()),
            (72, 1, None)
        );
        assert!(body.validate().is_ok());
        let bad: CreateOnboardingToken = serde_json::from_value(
            json!({"hoursValid": 169, "maxUses": 0, "label": "x".repeat(101)}),
        )
        .unwrap();
        let mut got = paths(&bad.validate().unwrap_err());
        got.sort();
        assert_eq!(got, ["hours_valid", "label", "max_uses"]);
    }

    #[test]
    fn submit_applies_consent_defaults_and_needs_an_email() {
        let body: OnboardingSubmit = serde_json::from_value(json!({
            "token": "t",
            "client": {"displayName": "Ann", "primaryEmail": "ann@example.com"},
            "consent": {},
        }))
        .unwrap();
        assert!(body.validate().is_ok());
        assert_eq!(body.consent.consent_type, ConsentType::DataProcessing);
        assert_eq!(body.consent.consent_text_version, "v1.0");
        assert!(body.consent.granted);
        let missing = serde_json::from_value::<OnboardingSubmit>(json!({
            "token": "t", "client": {"displayName": "Ann"}, "consent": {},
        }));
        assert!(missing.is_err());
        let snake = serde_json::from_value::<OnboardingSubmit>(json!({
            "token": "t",
            "client": {"display_name": "Ann", "primaryEmail": "a@b.co"},
            "consent": {},
        }));
        assert!(snake.is_err(), "snake_case keys are unknown fields");
    }

    #[test]
    fn consent_type_is_a_closed_set() {
        let bad = serde_json::from_value::<OnboardingConsent>(json!({"consentType": "everything"}));
        assert!(bad.is_err());
    }
}
