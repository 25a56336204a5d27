//! `/data-intelligence/ignored-identifiers`: identifiers never suggested as contacts.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;

/// Registers `/ignored-identifiers` routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list::list_ignored)
        .service(create::create_ignored)
        .service(get::get_ignored)
        .service(update::update_ignored)
        .service(delete::delete_ignored);
}
