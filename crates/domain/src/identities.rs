//! Inputs of the identifier routes: contact identities (alternate emails, phones, handles
//! and provider ids that resolve to a contact) and ignored identifiers (the blocklist of
//! contact suggestions). Values are normalised by the service (emails lower-cased,
//! phones to E.164), so validation here only bounds their size.

use garde::Validate;
use serde::Deserialize;

use crate::ContactId;
use crate::entities::IdentifierKind;
use crate::pagination::{DEFAULT_PAGE_SIZE, PageRequest, SortOrder};
use crate::patch::{Patch, nullable};
use crate::validate::{not_blank, not_null};

/// Longest identifier value (an email may have 254 characters; handles and provider ids
/// get some room).
pub const MAX_IDENTIFIER_CHARS: usize = 320;

/// Body of `POST /data-intelligence/contact-identities`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateContactIdentity {
    /// The contact it resolves to (one of the caller's).
    #[garde(skip)]
    #[schema(value_type = String, format = Uuid)]
    pub contact_id: ContactId,
    /// Kind of identifier.
    #[garde(skip)]
    pub kind: IdentifierKind,
    /// Where it was seen (`gmail`, `calendar`, `manual`, …); free text.
    #[garde(length(chars, min = 1, max = 64), inner(custom(not_blank)))]
    #[serde(default)]
    pub provider: Option<String>,
    /// The identifier (emails are lower-cased, phones become E.164).
    #[garde(length(chars, min = 1, max = MAX_IDENTIFIER_CHARS), custom(not_blank))]
    #[schema(max_length = 320)]
    pub value: String,
}

/// Body of `PATCH /data-intelligence/contact-identities/{id}`: absent = unchanged;
/// only `provider` can be cleared with `null`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateContactIdentity {
    /// New kind (the value is normalised again for it).
    #[garde(custom(not_null))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<IdentifierKind>)]
    pub kind: Patch<IdentifierKind>,
    /// New provider, or `null` for none.
    #[garde(length(chars, min = 1, max = 64), inner(inner(custom(not_blank))))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub provider: Patch<String>,
    /// New value.
    #[garde(
        custom(not_null),
        length(chars, min = 1, max = MAX_IDENTIFIER_CHARS),
        inner(inner(custom(not_blank)))
    )]
    #[schema(max_length = 320)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub value: Patch<String>,
}

/// Query of `GET /data-intelligence/contact-identities`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactIdentityQuery {
    /// Only this contact's identities.
    #[garde(skip)]
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<ContactId>,
    /// Any of these kinds (`?kind=email&kind=phone`).
    #[garde(length(max = 4))]
    #[serde(default)]
    pub kind: Vec<IdentifierKind>,
    /// Any of these providers.
    #[garde(length(max = 20), inner(length(chars, min = 1, max = 64)))]
    #[serde(default)]
    pub provider: Vec<String>,
    /// Substring of the value (case-insensitive).
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub search: Option<String>,
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200, default 20).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

impl ContactIdentityQuery {
    /// The requested page.
    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

/// Body of `POST /data-intelligence/ignored-identifiers`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateIgnoredIdentifier {
    /// Kind of identifier.
    #[garde(skip)]
    pub kind: IdentifierKind,
    /// The identifier (normalised like a contact identity).
    #[garde(length(chars, min = 1, max = MAX_IDENTIFIER_CHARS), custom(not_blank))]
    #[schema(max_length = 320)]
    pub value: String,
    /// Why it is ignored.
    #[garde(length(chars, max = 500))]
    #[serde(default)]
    pub reason: Option<String>,
}

/// Body of `PATCH /data-intelligence/ignored-identifiers/{id}`: only the reason changes.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateIgnoredIdentifier {
    /// New reason, or `null` for none.
    #[garde(length(chars, max = 500))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub reason: Patch<String>,
}

/// Query of `GET /data-intelligence/ignored-identifiers`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IgnoredIdentifierQuery {
    /// Any of these kinds.
    #[garde(length(max = 4))]
    #[serde(default)]
    pub kind: Vec<IdentifierKind>,
    /// Substring of the value (case-insensitive).
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub search: Option<String>,
    /// By creation time: `desc` (default, newest first) or `asc`.
    #[garde(skip)]
    #[serde(default)]
    #[param(inline)]
    pub order: SortOrder,
    /// Page number (≥ 1).
    #[garde(range(min = 1))]
    #[serde(default = "default_page")]
    pub page: u32,
    /// Page size (1..=200, default 20).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

impl IgnoredIdentifierQuery {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(report: &garde::Report) -> Vec<String> {
        report.iter().map(|(path, _)| path.to_string()).collect()
    }

    #[test]
    fn create_refuses_blank_values_and_unknown_kinds() {
        let body: CreateContactIdentity = serde_json::from_value(serde_json::json!({
            "contactId": uuid::Uuid::now_v7(), "kind": "email", "value": "   ", "provider": ""
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let report = body.validate().unwrap_err();
        let paths = paths(&report);
        assert!(paths.contains(&"value".to_owned()), "{paths:?}");
        assert!(paths.contains(&"provider".to_owned()), "{paths:?}");
        let unknown_kind = serde_json::from_value::<CreateContactIdentity>(serde_json::json!({
            "contactId": uuid::Uuid::now_v7(), "kind": "fax", "value": "1"
        }));
        assert!(unknown_kind.is_err());
    }

    #[test]
    fn update_refuses_null_kind_and_value_but_clears_provider() {
        let body: UpdateContactIdentity =
            serde_json::from_value(serde_json::json!({"provider": null}))
                .unwrap_or_else(|e| panic!("{e}"));
        assert!(body.validate().is_ok());
        assert_eq!(body.provider, Some(None));
        let nulls: UpdateContactIdentity =
            serde_json::from_value(serde_json::json!({"kind": null, "value": null}))
                .unwrap_or_else(|e| panic!("{e}"));
        let report = nulls.validate().unwrap_err();
        assert_eq!(paths(&report).len(), 2, "{:?}", paths(&report));
    }
}
