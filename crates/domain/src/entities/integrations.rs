//! Integrations (without their OAuth tokens), user profiles, AI quotas and AI usage.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::ymd;
use crate::UserId;

string_enum! {
    /// OAuth provider of an integration.
    IntegrationProvider {
        /// Google.
        Google => "google",
    }
}

string_enum! {
    /// Service of a provider an integration grants.
    IntegrationService {
        /// Sign-in only.
        Auth => "auth",
        /// Gmail.
        Gmail => "gmail",
        /// Calendar.
        Calendar => "calendar",
        /// Drive.
        Drive => "drive",
    }
}

/// A connected provider service (the encrypted tokens are never exposed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserIntegration {
    /// Owner.
    pub user_id: UserId,
    /// Provider.
    pub provider: IntegrationProvider,
    /// Service.
    pub service: IntegrationService,
    /// Access token expiry.
    #[serde(with = "crate::timestamp::option")]
    pub expiry_date: Option<OffsetDateTime>,
    /// Account email, scopes and sync preferences.
    pub config: serde_json::Value,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

/// A user's AI credits for the current month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AiQuota {
    /// Owner.
    pub user_id: UserId,
    /// Credits left in the period.
    pub credits_left: i32,
    /// First day of the period.
    #[serde(with = "ymd")]
    #[schema(value_type = String, format = Date)]
    pub period_start: Date,
}

/// One model call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AiUsage {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// Model.
    pub model: String,
    /// Input tokens.
    pub input_tokens: i32,
    /// Output tokens.
    pub output_tokens: i32,
    /// Cost in millionths of a US dollar.
    pub cost_usd_micros: i64,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn enums_round_trip() {
        assert_enums_round_trip!(IntegrationProvider, IntegrationService);
    }

    #[test]
    fn integration_has_no_token_fields() {
        let integration = UserIntegration {
            user_id: UserId(Uuid::nil()),
            provider: IntegrationProvider::Google,
            service: IntegrationService::Gmail,
            expiry_date: None,
            config: serde_json::json!({}),
            created_at: datetime!(2026-01-01 00:00 UTC),
            updated_at: datetime!(2026-01-01 00:00 UTC),
        };
        let json = serde_json::to_value(&integration).unwrap();
        assert!(
            json.as_object()
                .unwrap()
                .keys()
                .all(|k| !k.contains("oken"))
        );
        assert_eq!(json["expiryDate"], serde_json::Value::Null);
        let quota = AiQuota {
            user_id: UserId(Uuid::nil()),
            credits_left: 3,
            period_start: date!(2026 - 11 - 01),
        };
        assert_eq!(
            serde_json::to_value(&quota).unwrap()["periodStart"],
            "2026-11-01"
        );
    }
}
