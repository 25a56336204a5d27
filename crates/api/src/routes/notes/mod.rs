//! `/notes` and `/contacts/{id}/notes`: notes about contacts, PII-redacted on the way in.

pub mod contact_notes;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;

/// Registers `/notes` and `/contacts/{id}/notes` routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(contact_notes::list_contact_notes)
        .service(list::list_notes)
        .service(create::create_note)
        .service(get::get_note)
        .service(update::update_note)
        .service(delete::delete_note);
}
