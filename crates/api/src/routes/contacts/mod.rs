//! `/contacts`: a practitioner's clients.

pub mod accept_suggestions;
pub mod bulk_delete;
pub mod count;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod suggestions;
pub mod update;

/// `{"count": n}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CountResponse {
    /// Matching contacts.
    pub count: u64,
}

/// `{"items": [...]}`: the current contact suggestions.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SuggestionList {
    /// Suggestions, most shared events first.
    pub items: Vec<omnicrm_domain::contacts::ContactSuggestion>,
}
