//! The practitioner's own profile (`/user-profile`): one row per user, created by the first
//! `PATCH`. The entity is [`UserProfile`].

use std::str::FromStr;

use garde::Validate;
use serde::Deserialize;

mod entity;

use crate::patch::{Patch, nullable};
use crate::validate::PHONE;
pub use entity::{DEFAULT_TIMEZONE, UserProfile};

/// Body of `PATCH /user-profile` (an upsert): absent = unchanged, `null` = cleared. Text is
/// trimmed, and a blank string clears a field like `null` does. Clearing `timezone`
/// resets it to `UTC`. Lengths count the characters sent, padding included.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateUserProfile {
    /// How the practitioner likes to be addressed (≤ 100 characters).
    #[garde(length(chars, max = 100))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub preferred_name: Patch<String>,
    /// Practice or organisation name (≤ 100 characters).
    #[garde(length(chars, max = 100))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub organization_name: Patch<String>,
    /// `http`/`https` URL of a profile photo (≤ 2048 characters).
    #[garde(length(chars, max = MAX_URL_CHARS), custom(web_url))]
    #[schema(max_length = 2048)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub profile_photo_url: Patch<String>,
    /// Short bio (≤ 500 characters).
    #[garde(length(chars, max = 500))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub bio: Patch<String>,
    /// Phone: digits, spaces, `()+-.` and an `ext` suffix (≤ 30 characters).
    #[garde(length(chars, max = MAX_PHONE_CHARS), custom(valid_phone))]
    #[schema(max_length = 30)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    /// `http`/`https` URL of the practice's website (≤ 2048 characters).
    #[garde(length(chars, max = MAX_URL_CHARS), custom(web_url))]
    #[schema(max_length = 2048)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub website: Patch<String>,
    /// IANA time zone name, exactly as the tz database spells it (`Europe/Berlin`, no
    /// padding), or blank for `UTC`.
    #[garde(custom(valid_timezone))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub timezone: Patch<String>,
    /// BCP 47 language tag (`en`, `de-CH`, ≤ 35 characters): the language search stems
    /// the practitioner's text in (`simple`, no stemming, when it has none or PostgreSQL
    /// has no stemmer for it).
    #[garde(length(chars, max = MAX_LOCALE_CHARS), custom(valid_locale))]
    #[schema(max_length = 35)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub locale: Patch<String>,
}

/// A validated profile PATCH, normalised: text trimmed, blank text turned into a clear,
/// a cleared time zone turned into `UTC`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserProfileChanges {
    /// Preferred name.
    pub preferred_name: Patch<String>,
    /// Organisation.
    pub organization_name: Patch<String>,
    /// Profile photo URL.
    pub profile_photo_url: Patch<String>,
    /// Bio.
    pub bio: Patch<String>,
    /// Phone.
    pub phone: Patch<String>,
    /// Website.
    pub website: Patch<String>,
    /// Time zone (`None` = unchanged; never cleared).
    pub timezone: Option<String>,
    /// Locale.
    pub locale: Patch<String>,
}

impl UserProfileChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.preferred_name.is_none()
            && self.organization_name.is_none()
            && self.profile_photo_url.is_none()
            && self.bio.is_none()
            && self.phone.is_none()
            && self.website.is_none()
            && self.timezone.is_none()
            && self.locale.is_none()
    }
}

impl From<UpdateUserProfile> for UserProfileChanges {
    fn from(input: UpdateUserProfile) -> Self {
        Self {
            preferred_name: normalize(input.preferred_name),
            organization_name: normalize(input.organization_name),
            profile_photo_url: normalize(input.profile_photo_url),
            bio: normalize(input.bio),
            phone: normalize(input.phone),
            website: normalize(input.website),
            timezone: input.timezone.map(|zone| {
                zone.as_deref()
                    .map(str::trim)
                    .filter(|z| !z.is_empty())
                    .and_then(|z| chrono_tz::Tz::from_str(z).ok())
                    .map_or_else(|| DEFAULT_TIMEZONE.to_owned(), |tz| tz.name().to_owned())
            }),
            locale: normalize(input.locale),
        }
    }
}

fn normalize(value: Patch<String>) -> Patch<String> {
    value.map(|inner| {
        inner
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty())
    })
}

/// The trimmed text of a PATCH field, when one is set and not blank.
/// The characters sent, padding included.
fn sent_chars(value: &Patch<String>) -> usize {
    value
        .as_ref()
        .and_then(Option::as_deref)
        .map_or(0, |text| text.chars().count())
}

fn present(value: &Patch<String>) -> Option<&str> {
    match value {
        Some(Some(text)) => Some(text.trim()).filter(|t| !t.is_empty()),
        _ => None,
    }
}

/// Longest URL accepted, padding included (the fields' `length` rule).
const MAX_URL_CHARS: usize = 2048;

fn web_url(value: &Patch<String>, _ctx: &()) -> garde::Result {
    match present(value) {
        Some(_) if sent_chars(value) > MAX_URL_CHARS => Ok(()),
        Some(text) if !is_web_url(text) => Err(garde::Error::new("not a valid http or https URL")),
        _ => Ok(()),
    }
}

/// `http://` or `https://`, a host, and nothing that cannot appear in a URL.
fn is_web_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = match host.rsplit_once(':') {
        Some((name, port)) if !host.ends_with(']') => {
            if !port.chars().all(|c| c.is_ascii_digit()) {
                return false;
            }
            name
        }
        _ => host,
    };
    !host.is_empty()
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'))
}

/// The trimmed texts the profile's URL rule accepts, as a pattern without anchors (the document's
/// statement of the rule; a test generates texts from it and checks each).
pub const WEB_URL_TRIMMED: &str = concat!(
    "[hH][tT][tT][pP][sS]?://",
    // userinfo (up to the last `@` of the authority)
    r#"(?:[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000<>"/?#]*@)?"#,
    // host: no `:`, or ending in `]`, or a name and a numeric (possibly empty) port
    r#"(?:[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000<>"/?#@:]+"#,
    r#"|[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000<>"/?#@]*\]"#,
    r#"|[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000<>"/?#@]+:[0-9]*)"#,
    // path, query, fragment
    r#"(?:[/?#][^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000<>"]*)?"#
);

/// Longest locale accepted, padding included (the field's `length` rule).
const MAX_LOCALE_CHARS: usize = 35;

/// The trimmed locales the locale rule accepts (a BCP 47 shape: a 2–3 letter language,
/// then `-`-separated subtags of 1–8 letters or digits), as a pattern without anchors.
pub const LOCALE_TRIMMED: &str = "[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*";

fn valid_locale(value: &Patch<String>, _ctx: &()) -> garde::Result {
    let Some(text) = present(value) else {
        return Ok(());
    };
    if sent_chars(value) > MAX_LOCALE_CHARS {
        // The length rule names it: one error per field.
        return Ok(());
    }
    let mut parts = text.split('-');
    let language_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if language_ok && rest_ok {
        Ok(())
    } else {
        Err(garde::Error::new(
            "not a BCP 47 language tag (`en`, `de-CH`)",
        ))
    }
}

/// Longest phone accepted, padding included (the field's `length` rule).
const MAX_PHONE_CHARS: usize = 30;

fn valid_phone(value: &Patch<String>, _ctx: &()) -> garde::Result {
    match present(value) {
        // A text over the limit gets the length error alone: one error per field.
        Some(_) if sent_chars(value) > MAX_PHONE_CHARS => Ok(()),
        Some(text) if !PHONE.is_match(text) => Err(garde::Error::new(
            "does not match the phone pattern: digits, spaces, ()+-. and an ext suffix",
        )),
        _ => Ok(()),
    }
}

/// Blank (reset to UTC) or a tz database name exactly: no padding, as spelled there.
fn valid_timezone(value: &Patch<String>, _ctx: &()) -> garde::Result {
    match value {
        Some(Some(zone)) if !zone.trim().is_empty() && !is_time_zone(zone) => Err(
            garde::Error::new("not a time zone of the IANA database (e.g. Europe/Berlin)"),
        ),
        _ => Ok(()),
    }
}

fn is_time_zone(name: &str) -> bool {
    chrono_tz::Tz::from_str(name).is_ok_and(|tz| tz.name() == name)
}

/// Every time zone name `timezone` accepts, as the tz database spells them.
pub fn time_zone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid_paths(body: serde_json::Value) -> Vec<String> {
        let parsed: UpdateUserProfile = serde_json::from_value(body).expect("shape");
        parsed
            .validate()
            .err()
            .map(|r| r.iter().map(|(p, _)| p.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn every_rule_points_at_its_field() {
        let paths = invalid_paths(serde_json::json!({
            "preferredName": "p".repeat(101),
            "organizationName": "o".repeat(101),
            "profilePhotoUrl": "javascript:alert(1)",
            "bio": "b".repeat(501),
            "phone": "call me maybe",
            "website": "ftp://example.com",
            "timezone": "Mars/Olympus_Mons",
        }));
        assert_eq!(
            paths,
            [
                "bio",
                "organization_name",
                "phone",
                "preferred_name",
                "profile_photo_url",
                "timezone",
                "website"
            ]
        );
    }

    #[test]
    fn accepts_good_values_nulls_and_blanks() {
        assert!(
            invalid_paths(serde_json::json!({
                "preferredName": "  Dr. Kim  ",
                "profilePhotoUrl": "https://cdn.example.com/p.png?x=1",
                "phone": "+1 (555) 123-4567 ext. 12",
                "website": "http://localhost:8080/about",
                "timezone": "America/Argentina/Buenos_Aires",
                "bio": null,
                "organizationName": "   ",
            }))
            .is_empty()
        );
    }

    #[test]
    fn urls_need_http_and_a_host() {
        for ok in [
            "https://example.com",
            "HTTP://EXAMPLE.com/a",
            "https://user@[::1]:8443/x#y",
        ] {
            assert!(is_web_url(ok), "{ok}");
        }
        for bad in [
            "example.com",
            "https://",
            "https:///path",
            "mailto:a@b.c",
            "https://exa mple.com",
            "https://host:port/",
        ] {
            assert!(!is_web_url(bad), "{bad}");
        }
    }

    #[test]
    fn changes_trim_clear_blanks_and_reset_the_time_zone() {
        let input: UpdateUserProfile = serde_json::from_value(serde_json::json!({
            "preferredName": "  Kim ",
            "bio": "  ",
            "phone": null,
            "timezone": null,
        }))
        .expect("shape");
        let changes = UserProfileChanges::from(input);
        assert_eq!(changes.preferred_name, Some(Some("Kim".to_owned())));
        assert_eq!(changes.bio, Some(None));
        assert_eq!(changes.phone, Some(None));
        assert_eq!(changes.website, None);
        assert_eq!(changes.timezone.as_deref(), Some("UTC"));
        assert!(!changes.is_empty());
        assert!(UserProfileChanges::default().is_empty());
    }

    #[test]
    fn time_zones_are_exact_names_or_blank() {
        let rule = |zone: &str| valid_timezone(&Some(Some(zone.to_owned())), &()).is_ok();
        assert!(rule("Europe/Berlin") && rule("") && rule("  ") && rule("UTC"));
        assert!(!rule(" Europe/Berlin") && !rule("europe/berlin") && !rule("Mars/Olympus"));
        assert!(time_zone_names().all(rule));
        assert!(time_zone_names().count() > 400);
    }

    #[test]
    fn lengths_count_what_was_sent() {
        let padded = format!("   {}   ", "5".repeat(25));
        assert_eq!(
            invalid_paths(serde_json::json!({ "phone": padded })),
            ["phone"]
        );
        let thirty = " +1 (555) 123-4567 ext. 123456";
        assert_eq!(thirty.chars().count(), 30);
        assert!(invalid_paths(serde_json::json!({ "phone": thirty })).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn every_url_the_pattern_admits_is_a_web_url(
            text in crate::validate::tests::admitted_by(&crate::validate::blank_or_padded(WEB_URL_TRIMMED))
        ) {
            let rule = web_url(&Some(Some(text.clone())), &());
            proptest::prop_assert!(rule.is_ok(), "{text:?}");
        }

        #[test]
        fn every_web_url_is_admitted_by_the_pattern(
            text in "[hH][tT]{2}[pP][sS]?://[a-z@:\\[\\]0-9.%-]{0,12}([/?#][ -~]{0,12})?"
        ) {
            let pattern = regex::Regex::new(&crate::validate::blank_or_padded(WEB_URL_TRIMMED)).expect("pattern");
            let trimmed = text.trim();
            let accepted = trimmed.is_empty() || is_web_url(trimmed);
            proptest::prop_assert_eq!(accepted, pattern.is_match(&text), "{:?}", text);
        }
    }

    proptest::proptest! {
        #[test]
        fn every_locale_the_pattern_admits_is_accepted(
            text in crate::validate::tests::admitted_by(&crate::validate::blank_or_padded(LOCALE_TRIMMED))
        ) {
            proptest::prop_assume!(text.chars().count() <= MAX_LOCALE_CHARS);
            proptest::prop_assert!(valid_locale(&Some(Some(text.clone())), &()).is_ok(), "{:?}", text);
        }
    }
}
