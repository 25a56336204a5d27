use garde::Validate;
use serde::Deserialize;
use time::Date;

use super::entity::{Address, ClientStatus, HealthContext, Preferences};
use crate::patch::{Patch, nullable};
use crate::validate::{PHONE, not_blank, not_blank_opt, not_null};

/// Body of `POST /contacts`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateContact {
    /// Name shown everywhere (required).
    #[garde(length(chars, min = 1, max = 200), custom(not_blank))]
    pub display_name: String,
    /// Main email.
    #[garde(email, length(chars, max = 254))]
    #[serde(default)]
    pub primary_email: Option<String>,
    /// Main phone.
    #[garde(pattern(PHONE))]
    #[schema(pattern = r"^\+?[0-9 ().\-]{3,25}( ?(ext\.?|x) ?[0-9]{1,6})?$")]
    #[serde(default)]
    pub primary_phone: Option<String>,
    /// Where the contact came from; `manual` when absent.
    #[garde(length(chars, min = 1, max = 64))]
    #[serde(default)]
    pub source: Option<String>,
    /// Lifecycle stage.
    #[garde(length(chars, min = 1, max = 64), custom(not_blank_opt))]
    #[serde(default)]
    pub lifecycle_stage: Option<String>,
    /// Client status; `active` when absent.
    #[garde(skip)]
    #[serde(default)]
    pub client_status: Option<ClientStatus>,
    /// Who referred them.
    #[garde(length(chars, max = 200))]
    #[serde(default)]
    pub referral_source: Option<String>,
    /// Confidence 0..=1.
    #[garde(range(min = 0.0, max = 1.0))]
    #[serde(default)]
    pub confidence_score: Option<f32>,
    /// Date of birth (`YYYY-MM-DD`).
    #[garde(skip)]
    #[serde(default, with = "super::entity::ymd::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub date_of_birth: Option<Date>,
    /// Emergency contact name.
    #[garde(length(chars, max = 200))]
    #[serde(default)]
    pub emergency_contact_name: Option<String>,
    /// Emergency contact phone.
    #[garde(pattern(PHONE))]
    #[schema(pattern = r"^\+?[0-9 ().\-]{3,25}( ?(ext\.?|x) ?[0-9]{1,6})?$")]
    #[serde(default)]
    pub emergency_contact_phone: Option<String>,
    /// Postal address.
    #[garde(dive)]
    #[serde(default)]
    pub address: Option<Address>,
    /// Health background.
    #[garde(dive)]
    #[serde(default)]
    pub health_context: Option<HealthContext>,
    /// Communication preferences.
    #[garde(dive)]
    #[serde(default)]
    pub preferences: Option<Preferences>,
}

/// Body of `PATCH /contacts/{id}`: absent = unchanged, `null` = cleared.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateContact {
    /// New name (cannot be cleared: `null` is refused).
    #[garde(
        length(chars, min = 1, max = 200),
        custom(not_null),
        custom(not_blank_patch)
    )]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub display_name: Patch<String>,
    /// Main email.
    #[garde(email, length(chars, max = 254))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub primary_email: Patch<String>,
    /// Main phone.
    #[garde(pattern(PHONE))]
    #[schema(pattern = r"^\+?[0-9 ().\-]{3,25}( ?(ext\.?|x) ?[0-9]{1,6})?$")]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub primary_phone: Patch<String>,
    /// Source.
    #[garde(length(chars, min = 1, max = 64))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub source: Patch<String>,
    /// Lifecycle stage.
    #[garde(length(chars, min = 1, max = 64))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub lifecycle_stage: Patch<String>,
    /// Client status (cannot be cleared: `null` is refused).
    #[garde(custom(not_null))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ClientStatus>)]
    pub client_status: Patch<ClientStatus>,
    /// Who referred them.
    #[garde(length(chars, max = 200))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub referral_source: Patch<String>,
    /// Confidence 0..=1.
    #[garde(range(min = 0.0, max = 1.0))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f32>)]
    pub confidence_score: Patch<f32>,
    /// Date of birth.
    #[garde(skip)]
    #[serde(default, deserialize_with = "nullable_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub date_of_birth: Patch<Date>,
    /// Emergency contact name.
    #[garde(length(chars, max = 200))]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub emergency_contact_name: Patch<String>,
    /// Emergency contact phone.
    #[garde(pattern(PHONE))]
    #[schema(pattern = r"^\+?[0-9 ().\-]{3,25}( ?(ext\.?|x) ?[0-9]{1,6})?$")]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub emergency_contact_phone: Patch<String>,
    /// Postal address.
    #[garde(dive)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Address>)]
    pub address: Patch<Address>,
    /// Health background.
    #[garde(dive)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<HealthContext>)]
    pub health_context: Patch<HealthContext>,
    /// Communication preferences.
    #[garde(dive)]
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Preferences>)]
    pub preferences: Patch<Preferences>,
}

fn not_blank_patch(value: &Patch<String>, ctx: &()) -> garde::Result {
    match value {
        Some(Some(text)) => not_blank(text, ctx),
        _ => Ok(()),
    }
}

fn nullable_date<'de, D>(deserializer: D) -> Result<Patch<Date>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    super::entity::ymd::option::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_paths(report: &garde::Report) -> Vec<String> {
        report.iter().map(|(path, _)| path.to_string()).collect()
    }

    #[test]
    fn create_rejects_bad_email_blank_name_and_bad_nested_fields() {
        let body: CreateContact = serde_json::from_value(serde_json::json!({
            "displayName": "   ",
            "primaryEmail": "not-an-email",
            "address": {"postalCode": "x".repeat(30)},
        }))
        .unwrap_or_default();
        let report = body.validate().unwrap_err();
        let paths = field_paths(&report);
        assert!(paths.contains(&"display_name".to_owned()), "{paths:?}");
        assert!(paths.contains(&"primary_email".to_owned()), "{paths:?}");
        assert!(
            paths.contains(&"address.postal_code".to_owned()),
            "{paths:?}"
        );
    }

    #[test]
    fn update_validates_only_present_values_and_null_clears() {
        let body: UpdateContact = serde_json::from_value(
            serde_json::json!({"primaryEmail": null, "dateOfBirth": "1990-02-03"}),
        )
        .unwrap_or_default();
        assert!(body.validate().is_ok());
        assert_eq!(body.primary_email, Some(None));
        assert!(matches!(body.date_of_birth, Some(Some(_))));
        let bad: UpdateContact =
            serde_json::from_value(serde_json::json!({"primaryEmail": "nope"})).unwrap_or_default();
        assert!(bad.validate().is_err());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let parsed = serde_json::from_value::<CreateContact>(
            serde_json::json!({"displayName": "A", "nmae": 1}),
        );
        assert!(parsed.is_err());
    }
}
