//! garde reports Rust field paths (`address.postal_code`, `tags[0]`); the API speaks JSON
//! pointers in camelCase (`/address/postalCode`, `/tags/0`). The translation lives in
//! `omnicrm_domain::field_errors` so other tools (the contact import) name fields the same way.

pub use omnicrm_domain::field_errors;

#[cfg(test)]
mod tests {
    use omnicrm_domain::pointer_from_garde_path;

    use super::*;

    #[test]
    fn rust_paths_become_camel_case_pointers() {
        assert_eq!(pointer_from_garde_path("primary_email"), "/primaryEmail");
        assert_eq!(
            pointer_from_garde_path("address.postal_code"),
            "/address/postalCode"
        );
        assert_eq!(
            pointer_from_garde_path("health_context.conditions[2]"),
            "/healthContext/conditions/2"
        );
        assert_eq!(pointer_from_garde_path(""), "");
    }

    #[test]
    fn contact_dto_errors_point_at_camel_case_fields() {
        use garde::Validate;
        let body: omnicrm_domain::contacts::CreateContact =
            serde_json::from_value(serde_json::json!({
                "displayName": "Ann",
                "primaryEmail": "nope",
                "emergencyContactPhone": "call me",
                "healthContext": {"conditions": [""]},
            }))
            .unwrap_or_default();
        let report = body.validate().unwrap_err();
        let pointers: Vec<String> = field_errors(&report)
            .into_iter()
            .map(|e| e.pointer)
            .collect();
        for expected in [
            "/primaryEmail",
            "/emergencyContactPhone",
            "/healthContext/conditions/0",
        ] {
            assert!(
                pointers.contains(&expected.to_owned()),
                "{expected} not in {pointers:?}"
            );
        }
    }
}
