//! Alternate identifiers of contacts and the identifier blocklist.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{ContactId, UserId};

string_enum! {
    /// Kind of an identifier.
    IdentifierKind {
        /// Email address (stored lower-cased).
        Email => "email",
        /// Phone number.
        Phone => "phone",
        /// Social or chat handle.
        Handle => "handle",
        /// A provider's own id.
        ProviderId => "provider_id",
    }
}

/// An identifier that resolves to a contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactIdentity {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// The contact it resolves to.
    pub contact_id: ContactId,
    /// Kind of identifier.
    pub kind: IdentifierKind,
    /// Where it was seen (gmail, calendar, manual, upload, …).
    pub provider: Option<String>,
    /// The identifier.
    pub value: String,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// An identifier excluded from contact suggestions and extraction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IgnoredIdentifier {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// Kind of identifier.
    pub kind: IdentifierKind,
    /// The identifier.
    pub value: String,
    /// Why it is ignored.
    pub reason: Option<String>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        assert_enums_round_trip!(IdentifierKind);
    }
}
