//! Consents a practitioner records for a client: inputs of `/contacts/{id}/consents` and
//! the status answer. Consents are a history: a withdrawal is a new row with
//! `granted = false`, and the newest row of a type is that type's status.

use garde::Validate;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ContactId;
use crate::entities::ConsentType;
use crate::pagination::{DEFAULT_PAGE_SIZE, PageRequest};
use crate::validate::not_blank;

/// Body of `POST /contacts/{id}/consents`.
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateConsent {
    /// What is consented to.
    #[garde(skip)]
    pub consent_type: ConsentType,
    /// Version of the consent text shown.
    #[garde(length(chars, min = 1, max = 50), custom(not_blank))]
    pub consent_text_version: String,
    /// Granted (true) or refused (false).
    #[garde(skip)]
    pub granted: bool,
    /// Signature as SVG, under the public form's rules
    /// ([`crate::onboarding::signature::check_signature_svg`]).
    #[garde(custom(crate::onboarding::signature::signature_svg_rule))]
    #[serde(default)]
    pub signature_svg: Option<String>,
    /// Where a signature image is: `https:` or a small `data:image/png;base64,` URL.
    #[garde(custom(crate::onboarding::signature::signature_image_url_rule))]
    #[serde(default)]
    pub signature_image_url: Option<String>,
}

/// A consent decision ready to store, from the practitioner's API or the public form.
/// The signer's address and user agent come from the request, never from a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    /// What is consented to.
    pub consent_type: ConsentType,
    /// Version of the consent text shown.
    pub consent_text_version: String,
    /// Granted or withdrawn.
    pub granted: bool,
    /// Signature as SVG.
    pub signature_svg: Option<String>,
    /// Signature image location.
    pub signature_image_url: Option<String>,
    /// Textual IP address of the request.
    pub ip_address: Option<String>,
    /// User agent of the request (at most 512 characters kept).
    pub user_agent: Option<String>,
}

/// Where a request came from, for the consent record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOrigin {
    /// Textual IP address of the client.
    pub ip_address: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
}

/// Longest user agent stored.
pub const MAX_USER_AGENT_CHARS: usize = 512;

impl RequestOrigin {
    /// The user agent cut to [`MAX_USER_AGENT_CHARS`].
    pub fn user_agent_trimmed(&self) -> Option<String> {
        self.user_agent
            .as_deref()
            .map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect())
    }
}

impl ConsentRecord {
    /// The record of a practitioner's `CreateConsent` made from `origin`.
    pub fn from_input(input: CreateConsent, origin: &RequestOrigin) -> Self {
        Self {
            consent_type: input.consent_type,
            consent_text_version: input.consent_text_version.trim().to_owned(),
            granted: input.granted,
            signature_svg: input.signature_svg,
            signature_image_url: input.signature_image_url,
            ip_address: origin.ip_address.clone(),
            user_agent: origin.user_agent_trimmed(),
        }
    }
}

/// Query of `GET /contacts/{id}/consents` (newest first).
#[derive(Debug, Clone, Deserialize, Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsentListQuery {
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "crate::onboarding::input::default_page")]
    pub page: u32,
    /// Page size (1..=200).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "crate::onboarding::input::default_page_size")]
    pub page_size: u32,
}

impl Default for ConsentListQuery {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl ConsentListQuery {
    /// The requested page.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

/// Query of `GET /contacts/{id}/consents/status`.
#[derive(Debug, Clone, Deserialize, Validate, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsentStatusQuery {
    /// The consent type asked about.
    #[garde(skip)]
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub consent_type: ConsentType,
}

/// Whether a client currently consents to one type (the newest decision of that type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsentStatus {
    /// The client.
    pub contact_id: ContactId,
    /// The type asked about.
    pub consent_type: ConsentType,
    /// True only when the newest decision of this type grants it.
    pub granted: bool,
    /// When the newest decision was made (null without any).
    #[serde(with = "crate::timestamp::option")]
    pub granted_at: Option<OffsetDateTime>,
    /// The consent text version of the newest decision (null without any).
    pub version: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn create_needs_type_version_and_granted() {
        let ok: CreateConsent = serde_json::from_value(json!({
            "consentType": "hipaa", "consentTextVersion": "v2", "granted": true,
        }))
        .unwrap();
        assert!(ok.validate().is_ok());
        assert!(serde_json::from_value::<CreateConsent>(json!({"consentType": "hipaa"})).is_err());
        let blank: CreateConsent = serde_json::from_value(json!({
            "consentType": "hipaa", "consentTextVersion": "  ", "granted": true,
            "signatureImageUrl": "not a url",
        }))
        .unwrap();
        assert_eq!(blank.validate().unwrap_err().iter().count(), 2);
    }

    #[test]
    fn user_agents_are_cut() {
        let origin = RequestOrigin {
            ip_address: None,
            user_agent: Some("x".repeat(2000)),
        };
        assert_eq!(
            origin.user_agent_trimmed().map(|u| u.len()),
            Some(MAX_USER_AGENT_CHARS)
        );
    }

    #[test]
    fn status_query_reads_type() {
        let q: ConsentStatusQuery = serde_json::from_value(json!({"type": "marketing"})).unwrap();
        assert_eq!(q.consent_type, ConsentType::Marketing);
    }
}
