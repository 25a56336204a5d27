//! A user's own data as a whole: the erasure request (`DELETE /user`).

use garde::Validate;
use serde::Deserialize;

use crate::validate::{is_exactly, is_true};

/// The exact text `DELETE /user` requires in `confirmation`.
pub const ERASE_CONFIRMATION: &str = "DELETE MY DATA";

/// Body of `DELETE /user`: the user types the confirmation and acknowledges that erasure
/// cannot be undone. Anything else is refused, so no client bug erases an account.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EraseAccount {
    /// Must be exactly `DELETE MY DATA`.
    #[garde(custom(is_exactly(ERASE_CONFIRMATION)))]
    #[schema(example = "DELETE MY DATA")]
    pub confirmation: String,
    /// Must be `true`.
    #[garde(custom(is_true))]
    pub acknowledge_irreversible: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn erase(confirmation: &str, acknowledged: bool) -> EraseAccount {
        EraseAccount {
            confirmation: confirmation.to_owned(),
            acknowledge_irreversible: acknowledged,
        }
    }

    #[test]
    fn only_the_exact_confirmation_and_an_acknowledgement_pass() {
        assert!(erase("DELETE MY DATA", true).validate().is_ok());
        for bad in ["delete my data", "DELETE MY DATA ", "", "DELETE"] {
            assert!(erase(bad, true).validate().is_err(), "{bad:?}");
        }
        assert!(erase("DELETE MY DATA", false).validate().is_err());
    }
}

/// State of an asynchronous export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportStatus {
    /// Queued or being written.
    Pending,
    /// The archive can be downloaded (until `expiresAt`).
    Ready,
    /// Writing the archive failed; request a new export.
    Failed,
}

impl ExportStatus {
    /// From the stored text (`pending`, `ready`, `failed`).
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "pending" => Some(Self::Pending),
            "ready" => Some(Self::Ready),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// An asynchronous export (`POST /user/export`, `GET /user/export/{id}`).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportJobView {
    /// Export id.
    pub id: uuid::Uuid,
    /// Where it stands.
    pub status: ExportStatus,
    /// When it was requested.
    #[serde(with = "crate::timestamp")]
    pub created_at: time::OffsetDateTime,
    /// When it became ready or failed.
    #[serde(with = "crate::timestamp::option")]
    pub finished_at: Option<time::OffsetDateTime>,
    /// Size of the archive (ready only).
    pub size_bytes: Option<i64>,
    /// When the archive is deleted (ready only).
    #[serde(with = "crate::timestamp::option")]
    pub expires_at: Option<time::OffsetDateTime>,
    /// A signed download URL (ready only); it stops working at `downloadExpiresAt` and
    /// only for this user.
    pub download_url: Option<String>,
    /// When `downloadUrl` stops working; `GET` the export again for a fresh one.
    #[serde(with = "crate::timestamp::option")]
    pub download_expires_at: Option<time::OffsetDateTime>,
}
