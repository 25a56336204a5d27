//! `/data-intelligence/contact-identities`: alternate identifiers (emails, phones,
//! handles, provider ids) that resolve to a contact.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;

/// Registers `/contacts/{id}/identities` routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list::list_identities)
        .service(create::create_identity)
        .service(get::get_identity)
        .service(update::update_identity)
        .service(delete::delete_identity);
}
