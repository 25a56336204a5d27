//! One normalisation for identifiers, wherever they are stored or compared: contact
//! identities, ignored identifiers and the contact duplicate guard.

use omnicrm_domain::entities::IdentifierKind;
use omnicrm_problem::AppError;

use crate::phone::PhoneRegion;

/// Normalises `raw` for `kind`: emails trimmed and lower-cased (and checked), phones to
/// E.164 (400 when not a valid number), handles and provider ids trimmed. `pointer` names
/// the field in a 400.
pub fn normalize_identifier(
    kind: IdentifierKind,
    raw: &str,
    region: PhoneRegion,
    pointer: &str,
) -> Result<String, AppError> {
    let value = raw.trim();
    match kind {
        IdentifierKind::Email => {
            let email = normalize_email(value);
            if garde::rules::email::parse_email(&email).is_err() {
                return Err(AppError::invalid_field(
                    pointer,
                    "email",
                    "not a valid email address",
                ));
            }
            Ok(email)
        }
        IdentifierKind::Phone => region.normalize(value).map(|p| p.e164).ok_or_else(|| {
            AppError::invalid_field(
                pointer,
                "phone",
                &format!(
                    "not a valid phone number (numbers without +<country code> are read as {region})"
                ),
            )
        }),
        IdentifierKind::Handle | IdentifierKind::ProviderId => Ok(value.to_owned()),
    }
}

/// An email as stored and compared: trimmed, lower-cased.
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnicrm_problem::ErrorCode;

    fn norm(kind: IdentifierKind, raw: &str) -> Result<String, ErrorCode> {
        normalize_identifier(kind, raw, PhoneRegion::default(), "/value").map_err(|e| e.code())
    }

    #[test]
    fn each_kind_has_one_spelling() {
        assert_eq!(
            norm(IdentifierKind::Email, "  Ann.Lee@Example.COM "),
            Ok("ann.lee@example.com".to_owned())
        );
        assert_eq!(
            norm(IdentifierKind::Phone, "(202) 555-0143"),
            Ok("+12025550143".to_owned())
        );
        assert_eq!(
            norm(IdentifierKind::Handle, " @Ann "),
            Ok("@Ann".to_owned())
        );
        assert_eq!(
            norm(IdentifierKind::ProviderId, "c_123 "),
            Ok("c_123".to_owned())
        );
    }

    #[test]
    fn bad_emails_and_phones_are_400_at_the_pointer() {
        let err = normalize_identifier(
            IdentifierKind::Phone,
            "12",
            PhoneRegion::default(),
            "/value",
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationFailed);
        assert_eq!(err.field_errors()[0].pointer, "/value");
        assert_eq!(err.field_errors()[0].code, "phone");
        assert_eq!(
            norm(IdentifierKind::Email, "not-an-email"),
            Err(ErrorCode::ValidationFailed)
        );
    }
}
