//! Client consents: a history, the newest row per contact and type is the status.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{ContactId, UserId};

string_enum! {
    /// What a consent covers.
    ConsentType {
        /// Processing of personal data.
        DataProcessing => "data_processing",
        /// Marketing communication.
        Marketing => "marketing",
        /// HIPAA authorisation.
        Hipaa => "hipaa",
        /// Being photographed.
        Photography => "photography",
    }
}

/// One consent decision of a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientConsent {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// The client.
    pub contact_id: ContactId,
    /// What the consent covers.
    pub consent_type: ConsentType,
    /// Version of the consent text shown.
    pub consent_text_version: String,
    /// Granted (true) or withdrawn (false).
    pub granted: bool,
    /// When the decision was made.
    #[serde(with = "crate::timestamp")]
    pub granted_at: OffsetDateTime,
    /// Textual IPv4/IPv6 address of the signer.
    pub ip_address: Option<String>,
    /// User agent of the signer.
    pub user_agent: Option<String>,
    /// Signature as SVG.
    pub signature_svg: Option<String>,
    /// Signature image location.
    pub signature_image_url: Option<String>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        assert_enums_round_trip!(ConsentType);
    }
}
