//! Phone numbers in E.164 (`+15551234567`), parsed with the `phonenumber` crate
//! (Google's libphonenumber metadata). Numbers without a country code are read in the
//! configured default region (`OMNICRM_DEFAULT_PHONE_REGION`).

use std::fmt;
use std::str::FromStr;

use phonenumber::country::Id;
use phonenumber::{Mode, PhoneNumber};

/// Longest text handed to the phone parser (libphonenumber's `MAX_INPUT_STRING_LENGTH`).
const MAX_PHONE_INPUT_BYTES: usize = 250;

/// The region a number without `+<country code>` belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneRegion(Id);

impl Default for PhoneRegion {
    /// `US`, as the configuration default.
    fn default() -> Self {
        Self(Id::US)
    }
}

impl FromStr for PhoneRegion {
    type Err = String;

    /// Parses a CLDR region code such as `US`, `GB` or `de` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Id::from_str(&s.trim().to_ascii_uppercase())
            .map(Self)
            .map_err(|_| format!("{s:?} is not a known region code (such as US, GB or DE)"))
    }
}

impl fmt::Display for PhoneRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_ref())
    }
}

/// A valid phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedPhone {
    /// `+` country code and national number, no extension.
    pub e164: String,
    /// The national significant number: the digits every spelling of the number
    /// contains, with or without its country code.
    pub national_digits: String,
}

impl PhoneRegion {
    /// The number in E.164, or `None` when it is not a valid number (for its country,
    /// or this region when it has no `+` prefix).
    pub fn normalize(self, raw: &str) -> Option<NormalizedPhone> {
        // libphonenumber's own input bound: nothing longer is a phone number, and the
        // parser's cost is not promised to stay linear on longer text.
        if raw.len() > MAX_PHONE_INPUT_BYTES {
            return None;
        }
        let number: PhoneNumber = phonenumber::parse(Some(self.0), raw.trim()).ok()?;
        if !phonenumber::is_valid(&number) {
            return None;
        }
        Some(NormalizedPhone {
            e164: number.format().mode(Mode::E164).to_string(),
            national_digits: number.national().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(region: &str, raw: &str) -> Option<String> {
        region
            .parse::<PhoneRegion>()
            .ok()
            .and_then(|r| r.normalize(raw))
            .map(|p| p.e164)
    }

    #[test]
    fn text_longer_than_any_phone_number_is_not_parsed() {
        assert_eq!(e164("US", &"2".repeat(100_000)), None);
        assert_eq!(
            e164("US", &format!("{}202 555 0143", " ".repeat(300))),
            None
        );
    }

    #[test]
    fn spellings_of_one_number_agree() {
        for raw in [
            "(202) 555-0143",
            "202.555.0143",
            "+1 202 555 0143",
            "12025550143",
        ] {
            assert_eq!(e164("US", raw).as_deref(), Some("+12025550143"), "{raw}");
        }
        assert_eq!(
            e164("GB", "020 7946 0958").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            e164("us", "+44 20 7946 0958").as_deref(),
            Some("+442079460958")
        );
    }

    #[test]
    fn invalid_numbers_and_regions_are_refused() {
        assert_eq!(e164("US", "12"), None);
        assert_eq!(e164("US", "call me"), None);
        assert_eq!(e164("US", "+1 000 000 0000"), None);
        assert!("XX".parse::<PhoneRegion>().is_err());
        assert_eq!(PhoneRegion::default().to_string(), "US");
    }

    #[test]
    fn national_digits_are_the_number_without_country_code() {
        let p = PhoneRegion::default().normalize("+1 (202) 555-0143");
        assert_eq!(p.map(|p| p.national_digits).as_deref(), Some("2025550143"));
    }
}
