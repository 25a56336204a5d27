//! Liveness and readiness.

pub mod live;
pub mod ready;

/// Body of both health answers.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HealthStatus {
    /// `ok`.
    pub status: &'static str,
}

/// Registers `/health` and `/health/ready` routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(live::live).service(ready::ready);
}
