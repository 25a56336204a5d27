//! `/contacts`: a practitioner's clients.

pub mod accept_suggestions;
pub mod bulk_delete;
pub mod count;
pub mod create;
pub mod delete;
pub mod dismiss_duplicate;
pub mod duplicates;
pub mod get;
pub mod import;
pub mod import_status;
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

/// Registers `/contacts` routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(count::count_contacts)
        .service(bulk_delete::bulk_delete_contacts)
        .service(suggestions::list_suggestions)
        .service(accept_suggestions::accept_suggestions)
        .service(duplicates::list_duplicates)
        .service(import::import_contacts)
        .service(import_status::contact_import_status)
        .service(list::list_contacts)
        .service(create::create_contact)
        .service(get::get_contact)
        .service(update::update_contact)
        .service(delete::delete_contact)
        .service(merge::merge_contacts)
        .service(dismiss_duplicate::dismiss_duplicate);
}
