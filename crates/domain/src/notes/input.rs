use garde::Validate;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::NoteSourceType;
use super::content::MAX_PLAIN_CHARS;
use crate::patch::{Patch, nullable};
use crate::validate::{not_blank, not_blank_opt, not_null};
use crate::{ContactId, GoalId, TagId};

/// Most tags or goals one note can be linked to in one request.
pub const MAX_LINKS: usize = 50;

/// Body of `POST /notes`. The note needs text: `contentPlain`, or a `contentRich`
/// document containing text (its text then becomes the plain text).
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateNote {
    /// The contact the note is about (one of yours).
    #[garde(custom(not_nil))]
    #[schema(value_type = String, format = Uuid)]
    pub contact_id: ContactId,
    /// Plain text; PII is redacted before it is stored.
    #[garde(length(chars, min = 1, max = MAX_PLAIN_CHARS), custom(not_blank_opt))]
    #[serde(default)]
    pub content_plain: Option<String>,
    /// TipTap JSON document; PII in its text and attributes is redacted before it is stored.
    #[garde(skip)]
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub content_rich: Option<Map<String, Value>>,
    /// How the note was captured; `typed` when absent.
    #[garde(skip)]
    #[serde(default)]
    pub source_type: Option<NoteSourceType>,
    /// Your tags to put on the note.
    #[garde(length(max = MAX_LINKS))]
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub tag_ids: Vec<TagId>,
    /// Your goals to link the note to.
    #[garde(length(max = MAX_LINKS))]
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub goal_ids: Vec<GoalId>,
}

/// Body of `PATCH /notes/{id}`: absent = unchanged. `contentPlain` cannot be cleared or
/// blank; `contentRich: null` clears the document (the plain text stays); a new
/// `contentRich` without `contentPlain` replaces the plain text with the document's text.
/// `tagIds` / `goalIds` replace the whole set (`null` or `[]` removes all).
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateNote {
    /// New plain text.
    #[garde(
        length(chars, min = 1, max = MAX_PLAIN_CHARS),
        custom(not_null),
        custom(not_blank_patch)
    )]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub content_plain: Patch<String>,
    /// New rich document, or `null` to clear it.
    #[garde(skip)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Object>)]
    pub content_rich: Patch<Map<String, Value>>,
    /// The note's complete new tag set.
    #[garde(length(max = MAX_LINKS))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<String>>)]
    pub tag_ids: Patch<Vec<TagId>>,
    /// The note's complete new goal set.
    #[garde(length(max = MAX_LINKS))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<String>>)]
    pub goal_ids: Patch<Vec<GoalId>>,
}

fn not_nil(id: &ContactId, _ctx: &()) -> garde::Result {
    if id.0.is_nil() {
        return Err(garde::Error::new(
            "select a contact: the nil UUID is no contact",
        ));
    }
    Ok(())
}

fn not_blank_patch(value: &Patch<String>, ctx: &()) -> garde::Result {
    match value {
        Some(Some(text)) => not_blank(text, ctx),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn paths(report: &garde::Report) -> Vec<String> {
        report.iter().map(|(path, _)| path.to_string()).collect()
    }

    #[test]
    fn create_refuses_the_nil_contact_blank_text_and_too_many_links() {
        let body: Result<CreateNote, _> = serde_json::from_value(json!({
            "contactId": "00000000-0000-0000-0000-000000000000",
            "contentPlain": "  ",
            "tagIds": vec![uuid::Uuid::nil(); MAX_LINKS + 1],
        }));
        let report = body.map(|b| b.validate().err()).ok().flatten();
        let paths = report.as_ref().map(paths).unwrap_or_default();
        for expected in ["contact_id", "content_plain", "tag_ids"] {
            assert!(paths.contains(&expected.to_owned()), "{paths:?}");
        }
    }

    #[test]
    fn update_refuses_null_or_blank_plain_text_and_distinguishes_null_links() {
        for bad in [json!({"contentPlain": null}), json!({"contentPlain": ""})] {
            let body: UpdateNote = serde_json::from_value(bad).unwrap_or_default();
            assert!(body.validate().is_err());
        }
        let body: UpdateNote = serde_json::from_value(json!({"tagIds": null, "contentRich": null}))
            .unwrap_or_default();
        assert!(body.validate().is_ok());
        assert_eq!(body.tag_ids, Some(None));
        assert_eq!(body.content_rich, Some(None));
        assert_eq!(body.goal_ids, None);
    }

    #[test]
    fn contact_and_source_type_cannot_be_patched() {
        for bad in [
            json!({"contactId": uuid::Uuid::nil()}),
            json!({"sourceType": "voice"}),
        ] {
            assert!(serde_json::from_value::<UpdateNote>(bad).is_err());
        }
    }
}
