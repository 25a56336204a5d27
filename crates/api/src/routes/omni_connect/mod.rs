//! `/omni-connect/...`: how the Google syncs are doing, so a gap in the timeline is
//! visible instead of hidden.

pub mod dashboard;

/// Registers the Omni Connect routes.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(dashboard::omni_connect_dashboard);
}
