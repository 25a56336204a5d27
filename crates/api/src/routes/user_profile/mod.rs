//! `/user-profile`: the practitioner's own profile.

pub mod get;
pub mod update;

/// Registers `/user/profile` routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get::get_user_profile)
        .service(update::update_user_profile);
}
