//! garde reports Rust field paths (`address.postal_code`, `tags[0]`); the API speaks JSON
//! pointers in camelCase (`/address/postalCode`, `/tags/0`). This is the one place that
//! translates.

use omnicrm_problem::FieldError;

/// Converts a garde report into field errors with camelCase JSON pointers.
pub fn field_errors(report: &garde::Report) -> Vec<FieldError> {
    report
        .iter()
        .map(|(path, error)| {
            let message = error.message().to_string();
            FieldError::new(
                pointer_from_garde_path(&path.to_string()),
                rule_code(&message),
                message,
            )
        })
        .collect()
}

/// `address.postal_code` → `/address/postalCode`, `tags[0]` → `/tags/0`.
pub fn pointer_from_garde_path(path: &str) -> String {
    if path.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for segment in path.split('.') {
        let (name, indexes) = match segment.find('[') {
            Some(i) => segment.split_at(i),
            None => (segment, ""),
        };
        if !name.is_empty() {
            out.push('/');
            out.push_str(&escape_pointer(&camel_case(name)));
        }
        for index in indexes.split(['[', ']']).filter(|s| !s.is_empty()) {
            out.push('/');
            out.push_str(&escape_pointer(index));
        }
    }
    out
}

fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A short rule code from garde's message (garde does not expose rule names).
fn rule_code(message: &str) -> String {
    let m = message.to_ascii_lowercase();
    let code = if m.contains("email") {
        "email"
    } else if m.contains("length") || m.contains("characters") || m.contains("items") {
        "length"
    } else if m.contains("lower than") || m.contains("greater than") || m.contains("range") {
        "range"
    } else if m.contains("pattern") {
        "pattern"
    } else if m.contains("url") {
        "url"
    } else if m.contains("blank") {
        "blank"
    } else {
        "invalid"
    };
    code.to_owned()
}

#[cfg(test)]
mod tests {
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
