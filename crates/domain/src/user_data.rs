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

/// What happened to one erasure step outside the tables (external grants, caches).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ErasureStepOutcome {
    /// The step did what it does (`removed` says how many things).
    Succeeded,
    /// The step failed or timed out; the erasure of the data went ahead (best effort).
    Failed,
}

/// One erasure step's record in the receipt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErasureStepRecord {
    /// The step (e.g. `google-grants`, `vector-cache`).
    pub name: String,
    /// Whether it succeeded.
    pub outcome: ErasureStepOutcome,
    /// How many things it removed or revoked (grants, cache entries); 0 when it failed.
    pub removed: i64,
}

/// Proof of an erasure (`DELETE /user`, `GET /user/erasure-receipts/{id}`). It outlives the
/// erased data and names the user only by a keyed hash of their id.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErasureReceiptView {
    /// Receipt id (ask for it again with the same sign-in).
    pub id: uuid::Uuid,
    /// Keyed hash (HMAC-SHA256, base64url) of the erased user's id.
    #[schema(example = "2bV4o1q3mKk3dF0YtJbq8Yx2Zr1wq6yVQeYc6mR0o1s")]
    pub subject: String,
    /// When the erasure was requested.
    #[serde(with = "crate::timestamp")]
    pub requested_at: time::OffsetDateTime,
    /// When everything was gone (rows, files, external steps); `null` while the erasure job
    /// still deletes the hidden rows (`jobId`), or if file removal failed (erase again).
    #[serde(with = "crate::timestamp::option")]
    pub completed_at: Option<time::OffsetDateTime>,
    /// Rows removed per table (tables that held none are left out); for a batched erasure,
    /// the rows hidden at the request, which its job deletes.
    pub rows_removed: std::collections::BTreeMap<String, i64>,
    /// Stored files removed.
    pub files_removed: i64,
    /// Every registered step outside the tables, in order, with its outcome.
    pub steps: Vec<ErasureStepRecord>,
    /// The job (`user_data.erase`) deleting the hidden rows in batches; `null` when the
    /// erasure was done within the request.
    pub job_id: Option<uuid::Uuid>,
}

/// The account's erasure receipts (`GET /user/erasure-receipts`), newest first.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErasureReceiptList {
    /// At most [`ERASURE_RECEIPTS_LISTED`] receipts, newest first.
    pub items: Vec<ErasureReceiptView>,
}

/// How many receipts `GET /user/erasure-receipts` lists.
pub const ERASURE_RECEIPTS_LISTED: i64 = 100;
