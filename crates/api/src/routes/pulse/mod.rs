//! `/omni-momentum/pulse`: the daily check-in (one per local day) and its analytics.

pub mod analytics;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;

/// Registers the pulse routes. Literal paths come before templated ones (actix tries
/// routes in registration order).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list::list_pulse)
        .service(create::create_pulse)
        .service(analytics::pulse_analytics)
        .service(get::get_pulse)
        .service(update::update_pulse)
        .service(delete::delete_pulse);
}
