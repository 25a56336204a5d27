//! The answer of every bulk delete: `{"deleted": n, "errors": [{"id", "code"}]}`, one type
//! for every resource so the contract cannot drift between them.

use omnicrm_problem::ErrorCode;
use serde::{Deserialize, Serialize};

/// Answer of a bulk delete (`POST /contacts/bulk-delete`, `POST /tags/bulk-delete`, ..).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkDeleted<I> {
    /// How many were deleted.
    pub deleted: u64,
    /// The ids that were not deleted, each once, in the order given.
    pub errors: Vec<BulkItemError<I>>,
}

/// One id of a bulk operation that was not carried out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkItemError<I> {
    /// The id as sent.
    pub id: I,
    /// `not_found` (none of yours: never touched) or `conflict` (yours, but it cannot go,
    /// such as a system tag).
    pub code: ErrorCode,
}

impl<I> BulkItemError<I> {
    /// The id is not one of the caller's.
    pub fn not_found(id: I) -> Self {
        Self {
            id,
            code: ErrorCode::NotFound,
        }
    }

    /// The id is the caller's, but its state forbids the operation.
    pub fn conflict(id: I) -> Self {
        Self {
            id,
            code: ErrorCode::Conflict,
        }
    }
}
