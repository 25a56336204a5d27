//! Rules the server checks in code (garde custom functions) that utoipa's derive cannot see,
//! stated in the document as patterns and lengths next to the derived property (ADR 0017).
//! Each pattern lives beside its rule in `omnicrm-domain`, where a test generates texts from
//! it and checks that the rule accepts every one.

use omnicrm_domain::onboarding::signature::{
    MAX_SIGNATURE_DATA_URL_BYTES, MAX_SIGNATURE_SVG_BYTES, MAX_SIGNATURE_URL_BYTES,
    SIGNATURE_HTTPS_URL_PATTERN, SIGNATURE_PNG_DATA_URL_PATTERN, signature_svg_pattern,
};
use omnicrm_domain::tasks::recurrence::STATED_RULE_PATTERN;
use omnicrm_domain::user_profile::{LOCALE_TRIMMED, WEB_URL_TRIMMED, time_zone_names};
use omnicrm_domain::{PHONE_TRIMMED, TRIMMED, blank_or_padded};
use utoipa::openapi::schema::{AnyOfBuilder, Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};

/// Adds every stated rule to its property.
pub fn declare(doc: &mut OpenApi) {
    user_profile(doc);
    for component in ["CreateTask", "UpdateTask"] {
        if let Some(rule) = property(doc, component, "recurrence") {
            rule.pattern = Some(STATED_RULE_PATTERN.to_owned());
        }
    }
    for component in ["CreateConsent", "OnboardingConsent"] {
        signature(doc, component);
    }
}

/// `PATCH /user-profile`: blank text clears a field; phones and URLs are checked trimmed.
fn user_profile(doc: &mut OpenApi) {
    if let Some(phone) = property(doc, "UpdateUserProfile", "phone") {
        phone.pattern = Some(blank_or_padded(PHONE_TRIMMED));
    }
    if let Some(locale) = property(doc, "UpdateUserProfile", "locale") {
        locale.pattern = Some(blank_or_padded(LOCALE_TRIMMED));
    }
    for field in ["profilePhotoUrl", "website"] {
        if let Some(url) = property(doc, "UpdateUserProfile", field) {
            url.pattern = Some(blank_or_padded(WEB_URL_TRIMMED));
        }
    }
    replace(doc, "UpdateUserProfile", "timezone", |description| {
        AnyOfBuilder::new()
            .description(description)
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(time_zone_names())),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(format!("^[{TRIMMED}]*$"))),
            )
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .into()
    });
}

/// `signatureSvg` and `signatureImageUrl` of a consent, under the public form's rules.
fn signature(doc: &mut OpenApi, component: &str) {
    if let Some(svg) = property(doc, component, "signatureSvg") {
        svg.pattern = Some(signature_svg_pattern());
        svg.max_length = Some(MAX_SIGNATURE_SVG_BYTES);
        svg.description = Some(
            "Signature drawn on a pad, as SVG (at most 100,000 bytes). The pattern states a \
             canonical form: an `<svg>` root of `path`, `line`, `polyline`, `polygon`, `rect`, \
             `circle` and `ellipse` shapes and `g` groups, with geometry and presentation \
             attributes. Any attribute order, single quotes, an XML declaration, deeper groups, \
             `style` and `transform` are accepted too; script, event handlers, references, \
             text and foreign content never are (400)."
                .to_owned(),
        );
    }
    replace(doc, component, "signatureImageUrl", |description| {
        let stated = |pattern: &str, max: usize| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(pattern))
                .max_length(Some(max))
        };
        AnyOfBuilder::new()
            .description(description)
            .item(stated(SIGNATURE_HTTPS_URL_PATTERN, MAX_SIGNATURE_URL_BYTES))
            .item(stated(
                SIGNATURE_PNG_DATA_URL_PATTERN,
                MAX_SIGNATURE_DATA_URL_BYTES,
            ))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .into()
    });
}

/// The derived schema of `component`'s `name` property.
fn property<'a>(doc: &'a mut OpenApi, component: &str, name: &str) -> Option<&'a mut Object> {
    match property_slot(doc, component, name)? {
        RefOr::T(Schema::Object(object)) => Some(object),
        _ => None,
    }
}

/// Replaces a property's schema, keeping its description.
fn replace(
    doc: &mut OpenApi,
    component: &str,
    name: &str,
    with: impl FnOnce(Option<String>) -> Schema,
) {
    if let Some(slot) = property_slot(doc, component, name) {
        let description = match slot {
            RefOr::T(Schema::Object(object)) => object.description.take(),
            _ => None,
        };
        *slot = RefOr::T(with(description));
    }
}

fn property_slot<'a>(
    doc: &'a mut OpenApi,
    component: &str,
    name: &str,
) -> Option<&'a mut RefOr<Schema>> {
    let schema = doc.components.as_mut()?.schemas.get_mut(component)?;
    let RefOr::T(Schema::Object(object)) = schema else {
        return None;
    };
    object.properties.get_mut(name)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn property(component: &str, name: &str) -> Value {
        let doc = serde_json::to_value(crate::api_doc()).expect("document");
        doc["components"]["schemas"][component]["properties"][name].clone()
    }

    #[test]
    fn every_stated_rule_reaches_the_document() {
        assert!(property("UpdateUserProfile", "phone")["pattern"].is_string());
        assert_eq!(property("UpdateUserProfile", "phone")["maxLength"], 30);
        assert!(property("UpdateUserProfile", "website")["pattern"].is_string());
        assert!(
            property("UpdateUserProfile", "timezone")["anyOf"][0]["enum"]
                .as_array()
                .is_some_and(|names| names.iter().any(|n| n == "Pacific/Auckland"))
        );
        for component in ["CreateConsent", "OnboardingConsent"] {
            assert!(property(component, "signatureSvg")["pattern"].is_string());
            assert_eq!(
                property(component, "signatureImageUrl")["anyOf"]
                    .as_array()
                    .map(Vec::len),
                Some(3)
            );
        }
    }
}
