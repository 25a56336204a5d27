//! Shared garde rules.

use std::sync::LazyLock;

use omnicrm_problem::FieldError;

/// Phone numbers as people type them: digits, spaces, `()+-.` and an `ext` suffix.
pub static PHONE: LazyLock<regex::Regex> = LazyLock::new(|| {
    #[expect(clippy::unwrap_used, reason = "constant pattern, covered by tests")]
    regex::Regex::new(r"^\+?[0-9 ().\-]{3,25}( ?(ext\.?|x) ?[0-9]{1,6})?$").unwrap()
});

/// `#RRGGBB` colours.
pub static HEX_COLOR: LazyLock<regex::Regex> = LazyLock::new(|| {
    #[expect(clippy::unwrap_used, reason = "constant pattern, covered by tests")]
    regex::Regex::new(r"^#[0-9A-Fa-f]{6}$").unwrap()
});

/// garde custom rule: text must not be blank (only whitespace).
pub fn not_blank(value: &str, _ctx: &()) -> garde::Result {
    if value.trim().is_empty() {
        return Err(garde::Error::new("must not be blank"));
    }
    Ok(())
}

/// garde custom rule for optional text.
pub fn not_blank_opt(value: &Option<String>, ctx: &()) -> garde::Result {
    value.as_deref().map_or(Ok(()), |v| not_blank(v, ctx))
}

/// garde custom rule for PATCH fields that may be absent but never `null`.
pub fn not_null<T>(value: &Option<Option<T>>, _ctx: &()) -> garde::Result {
    if matches!(value, Some(None)) {
        return Err(garde::Error::new("cannot be null"));
    }
    Ok(())
}

/// garde custom rule: the flag must be `true` (an acknowledgement). Its schema twin is
/// `enum: [true]` (`#[garde_schema]`).
pub fn is_true(value: &bool, _ctx: &()) -> garde::Result {
    if *value {
        Ok(())
    } else {
        Err(garde::Error::new("must be true"))
    }
}

/// garde custom rule: the text must be exactly `expected` (a typed confirmation). Its
/// schema twin is `enum: [expected]` (`#[garde_schema]`).
pub fn is_exactly(expected: &'static str) -> impl FnOnce(&str, &()) -> garde::Result {
    move |value, _ctx| {
        if value == expected {
            Ok(())
        } else {
            Err(garde::Error::new(format!("must be exactly \"{expected}\"")))
        }
    }
}

/// Converts a garde report into field errors with camelCase JSON pointers (as the API's
/// 400 `validation_failed` answers name them).
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
    fn phone_pattern_accepts_common_forms_and_rejects_text() {
        for ok in [
            "+44 20 7946 0958",
            "(555) 123-4567",
            "555.123.4567",
            "+15551234567 ext 12",
        ] {
            assert!(PHONE.is_match(ok), "{ok}");
        }
        for bad in ["call me", "12", "555-CALL-NOW"] {
            assert!(!PHONE.is_match(bad), "{bad}");
        }
    }
}
