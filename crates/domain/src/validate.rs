//! Shared garde rules.

use std::sync::LazyLock;

use omnicrm_problem::FieldError;

/// Phone numbers as people type them: digits, spaces, `()+-.` and an `ext` suffix.
pub static PHONE: LazyLock<regex::Regex> = LazyLock::new(|| {
    #[expect(clippy::unwrap_used, reason = "constant pattern, covered by tests")]
    regex::Regex::new(r"^\+?[0-9 ().\-]{3,25}( ?(ext\.?|x) ?[0-9]{1,6})?$").unwrap()
});

/// The characters `str::trim` removes (Unicode `White_Space`), as the body of a character
/// class in the regex syntax the `regex` crate, ECMA-262 and Python's `re` share; the
/// OpenAPI document states trimmed fields with it.
pub const TRIMMED: &str =
    r"\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// The trimmed texts [`PHONE`] matches (first and last character not a space), as a pattern
/// without anchors: `+` and 3 to 25 of `[0-9 ().-]`, or 3 to 25 of them starting with a
/// non-space; each ending with a non-space or an `ext`/`x` suffix.
pub const PHONE_TRIMMED: &str = concat!(
    r"\+[0-9 ().\-]{2,24}[0-9().\-]|[0-9().\-][0-9 ().\-]{1,23}[0-9().\-]",
    r"|(?:\+[0-9 ().\-]{3,25}|[0-9().\-][0-9 ().\-]{2,24})(?: ?(?:ext\.?|x) ?[0-9]{1,6})"
);

/// A pattern for a field the server trims, where blank text means "none": blank, or `core`
/// with any padding [`TRIMMED`] removes.
pub fn blank_or_padded(core: &str) -> String {
    format!("^[{TRIMMED}]*(?:{core})?[{TRIMMED}]*$")
}

/// A pattern for a field the server trims and requires: `core` with any padding.
pub fn padded(core: &str) -> String {
    format!("^[{TRIMMED}]*(?:{core})[{TRIMMED}]*$")
}

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
pub(crate) mod tests {
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

    #[test]
    fn trimmed_is_what_trim_removes() {
        let class = regex::Regex::new(&format!("^[{TRIMMED}]$")).expect("class");
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            assert_eq!(
                class.is_match(c.encode_utf8(&mut [0; 4])),
                c.is_whitespace(),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    /// Texts a full-match pattern admits (proptest's generator takes no anchors).
    pub(crate) fn admitted_by(pattern: &str) -> proptest::string::RegexGeneratorStrategy<String> {
        let body = pattern
            .strip_prefix('^')
            .and_then(|p| p.strip_suffix('$'))
            .unwrap_or(pattern);
        proptest::string::string_regex(body).expect("pattern")
    }

    proptest::proptest! {
        #[test]
        fn every_padded_phone_the_pattern_admits_trims_to_a_phone(
            text in admitted_by(&blank_or_padded(PHONE_TRIMMED))
        ) {
            let trimmed = text.trim();
            proptest::prop_assert!(trimmed.is_empty() || PHONE.is_match(trimmed), "{text:?}");
        }

        #[test]
        fn every_phone_is_admitted_with_any_padding(
            phone in proptest::string::string_regex(r"\+?[0-9 ().\-]{3,25}( ?(ext\.?|x) ?[0-9]{1,6})?").expect("pattern"),
            pad in proptest::string::string_regex(&format!("[{TRIMMED}]{{0,3}}")).expect("pattern"),
        ) {
            let trimmed = phone.trim();
            proptest::prop_assume!(PHONE.is_match(trimmed));
            let pattern = regex::Regex::new(&blank_or_padded(PHONE_TRIMMED)).expect("pattern");
            let padded_text = format!("{pad}{trimmed}{pad}");
            proptest::prop_assert!(pattern.is_match(&padded_text), "{padded_text:?}");
        }
    }
}
