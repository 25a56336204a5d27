use garde::Validate;
use serde::Deserialize;
use uuid::Uuid;

use super::{TagCategory, TaggableEntity};
use crate::TagId;
use crate::patch::{Patch, nullable};
use crate::validate::{HEX_COLOR, not_null};

/// Longest tag name, counted in characters after trimming.
pub const MAX_TAG_NAME_CHARS: usize = 100;
/// Colour of a tag created without one (the original system's default).
pub const DEFAULT_TAG_COLOR: &str = "#a78bfa";

/// Body of `POST /tags`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateTag {
    /// Name, 1..=100 characters after trimming; unique per user ignoring case (system
    /// tag names included).
    #[garde(custom(tag_name))]
    #[schema(pattern = r"^\s*(\S|\S[\s\S]{0,98}\S)\s*$")]
    pub name: String,
    /// Category; `services_modalities` when absent.
    #[garde(skip)]
    #[serde(default)]
    pub category: Option<TagCategory>,
    /// Colour `#RRGGBB`; `#a78bfa` when absent.
    #[garde(pattern(HEX_COLOR))]
    #[schema(pattern = r"^#[0-9A-Fa-f]{6}$")]
    #[serde(default)]
    pub color: Option<String>,
}

/// Body of `PATCH /tags/{id}`: absent = unchanged. No field can be cleared (`null` is
/// refused). A system tag's name and category are fixed: only its colour may change.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateTag {
    /// New name (1..=100 characters after trimming).
    #[garde(custom(not_null), custom(tag_name_patch))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = r"^\s*(\S|\S[\s\S]{0,98}\S)\s*$")]
    pub name: Patch<String>,
    /// New category.
    #[garde(custom(not_null))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<TagCategory>)]
    pub category: Patch<TagCategory>,
    /// New colour `#RRGGBB`.
    #[garde(custom(not_null), pattern(HEX_COLOR))]
    #[schema(pattern = r"^#[0-9A-Fa-f]{6}$")]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub color: Patch<String>,
}

/// Body of `POST /tags/apply` and `POST /tags/remove`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TagAssignment {
    /// Kind of the tagged entity.
    #[garde(skip)]
    pub entity_type: TaggableEntity,
    /// Id of the contact, task, note or goal.
    #[garde(skip)]
    pub entity_id: Uuid,
    /// The user's tags to attach or detach (1..=50; repeats count once).
    #[garde(length(min = 1, max = 50))]
    pub tag_ids: Vec<TagId>,
}

/// Body of `POST /tags/bulk-delete`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkDeleteTags {
    /// Tags to delete (1..=100; repeats count once).
    #[garde(length(min = 1, max = 100))]
    pub ids: Vec<TagId>,
}

/// garde rule: 1..=100 characters once surrounding whitespace is trimmed.
fn tag_name(value: &str, _ctx: &()) -> garde::Result {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(garde::Error::new("must not be blank"));
    }
    if trimmed.chars().count() > MAX_TAG_NAME_CHARS {
        return Err(garde::Error::new(format!(
            "length is greater than {MAX_TAG_NAME_CHARS} characters"
        )));
    }
    Ok(())
}

fn tag_name_patch(value: &Patch<String>, ctx: &()) -> garde::Result {
    match value {
        Some(Some(name)) => tag_name(name, ctx),
        _ => Ok(()),
    }
}

impl TagAssignment {
    /// The tag ids without repeats, in first-seen order.
    pub fn unique_tag_ids(&self) -> Vec<TagId> {
        unique(&self.tag_ids)
    }
}

impl BulkDeleteTags {
    /// The ids without repeats, in first-seen order.
    pub fn unique_ids(&self) -> Vec<TagId> {
        unique(&self.ids)
    }
}

fn unique(ids: &[TagId]) -> Vec<TagId> {
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name's documented pattern (a custom rule has no generated twin) says what
    /// `tag_name` accepts.
    #[test]
    fn the_documented_name_pattern_agrees_with_the_rule() {
        let pattern = regex::Regex::new(r"^\s*(\S|\S[\s\S]{0,98}\S)\s*$").unwrap();
        let long = "x".repeat(MAX_TAG_NAME_CHARS);
        let too_long = "x".repeat(MAX_TAG_NAME_CHARS + 1);
        let padded = format!("  {long}\n");
        for name in [
            "a",
            " a ",
            "a b",
            "é",
            "",
            " ",
            "\t\n",
            long.as_str(),
            too_long.as_str(),
            padded.as_str(),
        ] {
            assert_eq!(
                pattern.is_match(name),
                tag_name(name, &()).is_ok(),
                "{name:?}"
            );
        }
    }

    fn paths(report: &garde::Report) -> Vec<String> {
        report.iter().map(|(path, _)| path.to_string()).collect()
    }

    #[test]
    fn names_are_measured_after_trimming() {
        let padded = format!("  {}  ", "n".repeat(100));
        assert!(tag_name(&padded, &()).is_ok());
        assert!(tag_name(&"n".repeat(101), &()).is_err());
        assert!(tag_name("   ", &()).is_err());
        assert!(tag_name("Ünïcödé", &()).is_ok());
    }

    #[test]
    fn create_checks_name_and_colour() {
        let body: CreateTag =
            serde_json::from_value(serde_json::json!({"name": " ", "color": "#12345"}))
                .expect("shape");
        let report = body.validate().expect_err("invalid");
        assert_eq!(paths(&report), vec!["color".to_owned(), "name".to_owned()]);
    }

    #[test]
    fn update_refuses_null_and_bad_colour() {
        let body: UpdateTag =
            serde_json::from_value(serde_json::json!({"name": null, "color": "red"}))
                .expect("shape");
        let report = body.validate().expect_err("invalid");
        assert_eq!(paths(&report), vec!["color".to_owned(), "name".to_owned()]);
        let ok: UpdateTag =
            serde_json::from_value(serde_json::json!({"color": "#ABCdef"})).expect("shape");
        assert!(ok.validate().is_ok());
    }

    #[test]
    fn assignment_bounds_and_dedup() {
        let id = TagId::generate();
        let body = TagAssignment {
            entity_type: TaggableEntity::Note,
            entity_id: Uuid::nil(),
            tag_ids: vec![id, id],
        };
        assert!(body.validate().is_ok());
        assert_eq!(body.unique_tag_ids(), vec![id]);
        let empty = TagAssignment {
            tag_ids: vec![],
            ..body
        };
        assert!(empty.validate().is_err());
        let too_many = TagAssignment {
            tag_ids: (0..51).map(|_| TagId::generate()).collect(),
            ..body
        };
        assert!(too_many.validate().is_err());
    }
}
