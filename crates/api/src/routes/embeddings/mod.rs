//! `/data-intelligence/embeddings`: the caller's embedding state and backfills. Vectors
//! themselves are derived data kept by the embedding jobs (ADR 0031), so unlike the
//! original there is no route to write one.

pub mod backfill;
pub mod status;

/// Registers `/data-intelligence/embeddings` routes.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(status::embedding_status)
        .service(backfill::request_backfill);
}
