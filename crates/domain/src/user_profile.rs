//! The practitioner's own profile (`/user-profile`): one row per user, created by the first
//! `PATCH`. The entity is [`UserProfile`].

use std::str::FromStr;

use garde::Validate;
use serde::Deserialize;

mod entity;

use crate::patch::{Patch, nullable};
use crate::validate::PHONE;
pub use entity::{DEFAULT_TIMEZONE, UserProfile};

/// Longest accepted URL.
const MAX_URL_CHARS: usize = 2048;

/// Body of `PATCH /user-profile` (an upsert): absent = unchanged, `null` = cleared. Text is
/// trimmed, and a blank string clears a field like `null` does. Clearing `timezone`
/// resets it to `UTC`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateUserProfile {
    /// How the practitioner likes to be addressed (≤ 100 characters).
    #[garde(custom(max_chars::<100>))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub preferred_name: Patch<String>,
    /// Practice or organisation name (≤ 100 characters).
    #[garde(custom(max_chars::<100>))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub organization_name: Patch<String>,
    /// `http`/`https` URL of a profile photo.
    #[garde(custom(web_url))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub profile_photo_url: Patch<String>,
    /// Short bio (≤ 500 characters).
    #[garde(custom(max_chars::<500>))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub bio: Patch<String>,
    /// Phone: digits, spaces, `()+-.` and an `ext` suffix (≤ 30 characters).
    #[garde(custom(valid_phone))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    /// `http`/`https` URL of the practice's website.
    #[garde(custom(web_url))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub website: Patch<String>,
    /// IANA time zone name, exactly as the tz database spells it (`Europe/Berlin`).
    #[garde(custom(valid_timezone))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub timezone: Patch<String>,
    /// BCP 47 language tag (`en`, `de-CH`, ≤ 35 characters): the language search stems
    /// the practitioner's text in (`simple`, no stemming, when it has none or PostgreSQL
    /// has no stemmer for it).
    #[garde(custom(valid_locale))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 35,
             pattern = r"^\s*([A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*)?\s*$")]
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
fn present(value: &Patch<String>) -> Option<&str> {
    match value {
        Some(Some(text)) => Some(text.trim()).filter(|t| !t.is_empty()),
        _ => None,
    }
}

fn max_chars<const MAX: usize>(value: &Patch<String>, _ctx: &()) -> garde::Result {
    match present(value) {
        Some(text) if text.chars().count() > MAX => Err(garde::Error::new(format!(
            "length is greater than {MAX} characters"
        ))),
        _ => Ok(()),
    }
}

fn web_url(value: &Patch<String>, _ctx: &()) -> garde::Result {
    let Some(text) = present(value) else {
        return Ok(());
    };
    if text.chars().count() > MAX_URL_CHARS {
        return Err(garde::Error::new(format!(
            "length is greater than {MAX_URL_CHARS} characters"
        )));
    }
    if is_web_url(text) {
        Ok(())
    } else {
        Err(garde::Error::new("not a valid http or https URL"))
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

fn valid_phone(value: &Patch<String>, _ctx: &()) -> garde::Result {
    let Some(text) = present(value) else {
        return Ok(());
    };
    if text.chars().count() > 30 {
        return Err(garde::Error::new("length is greater than 30 characters"));
    }
    if PHONE.is_match(text) {
        Ok(())
    } else {
        Err(garde::Error::new(
            "does not match the phone pattern: digits, spaces, ()+-. and an ext suffix",
        ))
    }
}

fn valid_locale(value: &Patch<String>, _ctx: &()) -> garde::Result {
    let Some(text) = present(value) else {
        return Ok(());
    };
    let mut parts = text.split('-');
    let language_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if text.len() > 35 {
        Err(garde::Error::new("length is greater than 35 characters"))
    } else if language_ok && rest_ok {
        Ok(())
    } else {
        Err(garde::Error::new(
            "not a BCP 47 language tag (`en`, `de-CH`)",
        ))
    }
}

fn valid_timezone(value: &Patch<String>, _ctx: &()) -> garde::Result {
    match present(value) {
        Some(zone) if chrono_tz::Tz::from_str(zone).is_err() => Err(garde::Error::new(
            "not a time zone of the IANA database (e.g. Europe/Berlin)",
        )),
        _ => Ok(()),
    }
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
}
