use actix_web::{HttpResponse, get};

use super::HealthStatus;

/// Liveness: the process answers HTTP. Touches nothing else.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("exempt"))),
    tag = "health", responses((status = 200, body = HealthStatus)))]
#[get("/health")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus { status: "ok" })
}
