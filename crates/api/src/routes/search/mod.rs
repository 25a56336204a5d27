//! `/search`: one query over the caller's contacts, notes, interactions, tasks, goals and
//! documents.

pub mod query;

/// Registers `/search`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(query::search);
}
