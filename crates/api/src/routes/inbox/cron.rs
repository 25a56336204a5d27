use actix_web::{HttpRequest, HttpResponse, post, web};
use omnicrm_services::jobs::DrainSummary;

use crate::routes::jobs::CronLimitBody;
use crate::routes::jobs::cron::cron_limit;
use crate::{ApiError, ApiState};

/// Processes queued inbox captures of every user: runs up to `limit` (1..=500, default
/// 100) due `inbox.process` jobs, each filing its item's suggested tasks as awaiting
/// approval. For deployments without a worker (which runs them anyway). Not a user route:
/// `Authorization: Bearer <OMNICRM_CRON_SECRET>` (missing 401, wrong 403, not configured on
/// this server 503 `integration_not_configured`). The body may be empty, `{}` or
/// `{"limit": n}`.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("exempt")), ("x-body-limit" = json!(crate::http::limits::body_limit::ACTION))),
    tag = "jobs",
    request_body(content = Option<CronLimitBody>, content_type = "application/json"),
    responses((status = 200, body = DrainSummary), (status = 400, body = omnicrm_problem::Problem),
        (status = 401, body = omnicrm_problem::Problem), (status = 403, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/cron/process-inbox")]
pub async fn process_inbox_queue(
    state: web::Data<ApiState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let limit = cron_limit(&state, &req, &body)?;
    let summary = state.services.jobs.drain_inbox(limit).await?;
    Ok(HttpResponse::Ok().json(summary))
}
