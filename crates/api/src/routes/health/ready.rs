use actix_web::{HttpResponse, get, web};

use super::HealthStatus;
use crate::{ApiError, ApiState};

/// Readiness: the database answers and its migrations are current; else 503 `unavailable`.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("exempt"))),
    tag = "health", responses(
    (status = 200, body = HealthStatus),
    (status = 503, body = omnicrm_problem::Problem, content_type = "application/problem+json"),
))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    state.services.health.ready().await?;
    Ok(HttpResponse::Ok().json(HealthStatus { status: "ok" }))
}
