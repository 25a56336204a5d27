//! `/omni-momentum/zones` and `/omni-momentum/stats`: the zones (shared reference data) with
//! the caller's figures, and the OmniMomentum figures at a glance.

pub mod stats;
pub mod zones;

/// Registers the zones and stats routes.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(zones::list_zones)
        .service(stats::momentum_stats);
}
