//! `/ai`: the user's AI usage and limits.

pub mod usage;

/// Registers `/ai` routes.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(usage::ai_usage);
}
