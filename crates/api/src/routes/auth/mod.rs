//! Who am I, and the CSRF token for cookie sessions.

pub mod csrf;
pub mod me;

/// Registers `/auth` routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(me::me).service(csrf::csrf);
}
