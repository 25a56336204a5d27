//! `/contacts`: a practitioner's clients.

pub mod accept_suggestions;
pub mod bulk_delete;
pub mod count;
pub mod create;
pub mod delete;
pub mod dismiss_duplicate;
pub mod duplicates;
pub mod get;
pub mod list;
pub mod merge;
pub mod suggestions;
pub mod update;

/// `{"count": n}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CountResponse {
    /// Matching contacts.
    pub count: u64,
}

/// Makes a contact's signed photo URL absolute (the service signs path and query).
pub(crate) fn absolute_photo_url(
    state: &crate::ApiState,
    contact: &mut omnicrm_domain::contacts::Contact,
) {
    if let Some(path) = contact.photo_url.take() {
        contact.photo_url = Some(super::files::absolute(state, &path));
    }
}
