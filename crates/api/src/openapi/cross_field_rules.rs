//! Rules across fields of a body, which utoipa's derive cannot state on a struct: each one
//! wraps the derived component in `allOf: [derived, rule]`, so the document names what the
//! server's code checks (ADR 0017).

use omnicrm_domain::{PHONE_TRIMMED, padded};
use utoipa::openapi::OpenApi;
use utoipa::openapi::schema::{
    AllOfBuilder, AnyOfBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type,
};

/// A non-blank text: what the server's trimming check keeps as text.
const HAS_TEXT: &str = r"\S";

/// Longest plain text of a note (`omnicrm_domain::notes` `MAX_PLAIN_CHARS`).
const MAX_NOTE_CHARS: usize = 100_000;

/// Adds every cross-field rule to its component.
pub fn declare(doc: &mut OpenApi) {
    note_needs_text(doc);
    goal_contact_per_kind(doc);
    for component in [
        "CreateContactIdentity",
        "CreateIgnoredIdentifier",
        "UpdateContactIdentity",
    ] {
        identifier_value_per_kind(doc, component);
    }
}

/// An identifier's `value` is read by its `kind` (`identifier_normalization`): an email
/// address, a phone number, or any non-blank text for handles and provider ids. A `PATCH`
/// that changes the value alone is read by the stored kind, which the document cannot know.
fn identifier_value_per_kind(doc: &mut OpenApi, component: &str) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let Some(derived) = components.schemas.remove(component) else {
        return;
    };
    let kind = |kinds: &[&str]| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(kinds.to_vec()))
    };
    let email = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("kind", kind(&["email"]))
        .required("kind")
        .property(
            "value",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email))),
        );
    let phone = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("kind", kind(&["phone"]))
        .required("kind")
        .property(
            "value",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(padded(PHONE_TRIMMED)))
                .description(Some(
                    "A number valid in its country's numbering plan (libphonenumber); without \
                     `+<country code>` it is read in the configured default region. Stored in \
                     E.164.",
                )),
        );
    let other = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("kind", kind(&["handle", "provider_id"]))
        .required("kind");
    let mut per_kind = OneOfBuilder::new()
        .description(Some(
            "The value is read by its kind: an email address (stored lower-cased), a phone \
             number (stored in E.164), or any text for handles and provider ids.",
        ))
        .item(email)
        .item(phone)
        .item(other);
    if component.starts_with("Update") {
        let kind_unchanged = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("kind", ObjectBuilder::new().schema_type(Type::Null));
        per_kind = per_kind.item(utoipa::openapi::schema::Schema::Object(
            kind_unchanged.build(),
        ));
    }
    components.schemas.insert(
        component.to_owned(),
        AllOfBuilder::new().item(derived).item(per_kind).into(),
    );
}

/// `POST /omni-momentum/goals`: a `client_wellness` goal names its client (`contactId`, a
/// contact of the caller); a practitioner goal names none (`GoalsService::create`). A PATCH
/// is checked on the stored goal with the changes applied, which the document cannot know,
/// so `UpdateGoal` states it in words only.
fn goal_contact_per_kind(doc: &mut OpenApi) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let Some(derived) = components.schemas.remove("CreateGoal") else {
        return;
    };
    let kind = |kinds: &[&str]| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(kinds.to_vec()))
    };
    let client = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("goalType", kind(&["client_wellness"]))
        .property(
            "contactId",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
        )
        .required("goalType")
        .required("contactId");
    let practitioner = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "goalType",
            kind(&["practitioner_business", "practitioner_personal"]),
        )
        .property("contactId", ObjectBuilder::new().schema_type(Type::Null))
        .required("goalType");
    let per_kind = OneOfBuilder::new()
        .description(Some(
            "A client_wellness goal names the client (contactId, one of your contacts); a \
             practitioner goal names none (contactId absent or null).",
        ))
        .item(client)
        .item(practitioner);
    components.schemas.insert(
        "CreateGoal".to_owned(),
        AllOfBuilder::new().item(derived).item(per_kind).into(),
    );
}

/// `POST /notes`: a note needs text, either a `contentPlain` string (its own rules say it is
/// not blank) or a `contentRich` document containing text. Text may sit at any depth of the
/// document; the document states the form with a `text` at its root, which the server
/// reads like any text node, so every body it allows is accepted.
fn note_needs_text(doc: &mut OpenApi) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let Some(derived) = components.schemas.remove("CreateNote") else {
        return;
    };
    let plain = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "contentPlain",
            ObjectBuilder::new().schema_type(Type::String),
        )
        .required("contentPlain");
    let text = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(HAS_TEXT))
        .max_length(Some(MAX_NOTE_CHARS));
    let rich = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "contentRich",
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property("text", text)
                .required("text"),
        )
        .required("contentRich");
    let needs_text = AnyOfBuilder::new()
        .description(Some(
            "A note needs text: `contentPlain`, or a `contentRich` document containing text \
             (stated here as a `text` at its root; text nodes at any depth count too).",
        ))
        .item(plain)
        .item(rich);
    components.schemas.insert(
        "CreateNote".to_owned(),
        AllOfBuilder::new().item(derived).item(needs_text).into(),
    );
}

#[cfg(test)]
mod tests {
    use omnicrm_domain::notes::prepare_content;
    use serde_json::{Map, Value, json};

    use super::*;

    fn rich(text: &str) -> Map<String, Value> {
        let Value::Object(doc) = json!({ "text": text, "type": "doc" }) else {
            unreachable!()
        };
        doc
    }

    #[test]
    fn a_root_text_the_pattern_admits_is_a_note_the_server_accepts() {
        let pattern = regex::Regex::new(HAS_TEXT).expect("pattern");
        for text in ["x", " a ", "\tHello\n", "é", "0", "  .  ", "line\nline"] {
            assert!(pattern.is_match(text), "{text:?}");
            assert!(prepare_content(None, Some(rich(text))).is_ok(), "{text:?}");
        }
        for blank in ["", " ", "\n\t", "\u{a0}"] {
            assert!(!pattern.is_match(blank), "{blank:?}");
            assert!(
                prepare_content(None, Some(rich(blank))).is_err(),
                "{blank:?}"
            );
        }
    }

    #[test]
    fn the_note_limit_is_the_domains() {
        assert_eq!(MAX_NOTE_CHARS, omnicrm_domain::notes::MAX_PLAIN_CHARS);
    }
}
