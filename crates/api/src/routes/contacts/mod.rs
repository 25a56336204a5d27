//! `/contacts`: a practitioner's clients.

pub mod count;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;

/// `{"count": n}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CountResponse {
    /// Matching contacts.
    pub count: u64,
}
