//! Documents (`/data-intelligence/documents`): a practitioner's texts (intake forms, care
//! plans, handouts, extracted uploads), optionally about one of their contacts. Their
//! title and text are searched (full text and, once embedded, by meaning) like every
//! other item.

use garde::Validate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ContactId;
use crate::patch::{Patch, nullable};
use crate::validate::{not_blank, not_null};

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 500;
/// Longest text, in characters: what search indexes and embeds of an item (ADR 0031), and
/// within the JSON body limit.
pub const MAX_TEXT_CHARS: usize = 100_000;
/// A media type (`type/subtype`, RFC 6838 characters, at most 127 each), compared
/// lower-cased.
pub static MIME: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    #[expect(clippy::unwrap_used, reason = "constant pattern, covered by tests")]
    regex::Regex::new(
        r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$",
    )
    .unwrap()
});
/// Most filter values of one kind in a list query.
pub const MAX_MIME_FILTERS: usize = 20;

/// A document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// Id.
    pub id: Uuid,
    /// The contact it is about (one of the owner's), if any; cleared when that contact
    /// is deleted.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_contact_id: Option<ContactId>,
    /// Title (always present on documents created through the API; other writers, such
    /// as imports, may leave it out).
    pub title: Option<String>,
    /// Text (searched and embedded).
    pub text: Option<String>,
    /// Media type, lower-cased (`text/plain`, `application/pdf`, ...).
    pub mime: Option<String>,
    /// Free-form details (file name, size, provider ids).
    #[schema(value_type = Option<Object>)]
    pub meta: Option<Map<String, Value>>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// Body of `POST /data-intelligence/documents`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateDocument {
    /// Title (required, not blank; trimmed).
    #[garde(length(chars, min = 1, max = MAX_TITLE_CHARS), custom(not_blank))]
    #[schema(max_length = 500)]
    pub title: String,
    /// Text, at most 100,000 characters.
    #[garde(length(chars, max = MAX_TEXT_CHARS))]
    #[schema(max_length = 100000)]
    #[serde(default)]
    pub text: Option<String>,
    /// Media type (`type/subtype`); stored lower-cased.
    #[garde(pattern(MIME))]
    #[schema(
        pattern = r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$"
    )]
    #[serde(default)]
    pub mime: Option<String>,
    /// The contact it is about: one of the caller's contacts.
    #[garde(skip)]
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_contact_id: Option<ContactId>,
    /// Free-form details (an object).
    #[garde(skip)]
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub meta: Option<Map<String, Value>>,
}

/// Body of `PATCH /data-intelligence/documents/{id}`: absent = unchanged, `null` clears
/// (the title cannot be cleared).
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateDocument {
    /// New title.
    #[garde(
        custom(not_null),
        length(chars, min = 1, max = MAX_TITLE_CHARS),
        inner(inner(custom(not_blank)))
    )]
    #[schema(max_length = 500)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub title: Patch<String>,
    /// New text, or `null` for none.
    #[garde(length(chars, max = MAX_TEXT_CHARS))]
    #[schema(max_length = 100000)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub text: Patch<String>,
    /// New media type, or `null` for none.
    #[garde(inner(pattern(MIME)))]
    #[schema(
        pattern = r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$"
    )]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub mime: Patch<String>,
    /// Another of the caller's contacts, or `null` for none.
    #[garde(skip)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_contact_id: Patch<ContactId>,
    /// New details (replaced whole), or `null` for none.
    #[garde(skip)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Object>)]
    pub meta: Patch<Map<String, Value>>,
}

/// Query of `GET /data-intelligence/documents`: filters, cursor pages, newest first.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DocumentListQuery {
    /// Only the documents about this contact.
    #[garde(skip)]
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub owner_contact_id: Option<ContactId>,
    /// Only these media types (`?mime=text/plain&mime=application/pdf`; any case).
    #[garde(length(max = MAX_MIME_FILTERS), inner(length(chars, min = 1, max = 255)))]
    #[param(max_items = 20)]
    #[serde(default)]
    pub mime: Vec<String>,
    /// Case-insensitive substring of the title or text.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub search: Option<String>,
    /// Page size (1..=200, default 50).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_limit")]
    pub limit: u32,
    /// `nextCursor` of the previous page.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub cursor: Option<String>,
}

fn default_limit() -> u32 {
    50
}

/// A cursor page of documents, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DocumentPage {
    /// The documents.
    pub items: Vec<Document>,
    /// Pass as `?cursor=` for the next page; absent at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_type_slash_subtype() {
        let re = &*MIME;
        for ok in [
            "text/plain",
            "application/vnd.ms-excel",
            "Image/PNG",
            "a/b+c",
        ] {
            assert!(re.is_match(ok), "{ok}");
        }
        for bad in [
            "text",
            "/plain",
            "text/",
            "text/plain; charset=utf-8",
            " text/plain",
        ] {
            assert!(!re.is_match(bad), "{bad}");
        }
    }
}
