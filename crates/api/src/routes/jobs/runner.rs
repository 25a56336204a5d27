use actix_web::{HttpRequest, HttpResponse, post, web};

use omnicrm_services::jobs::DrainSummary;

use super::{RUNNER_MAX_LIMIT, RunnerLimitBody, optional_limit};
use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Runs up to `limit` (1..=50, default 10) of the caller's due jobs now, for deployments
/// without a background worker. The body may be empty, `{}` or `{"limit": n}`.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy")), ("x-body-limit" = json!(crate::http::limits::body_limit::ACTION))),
    tag = "jobs", security(("bearer" = []), ("cookie" = [])),
    request_body(content = Option<RunnerLimitBody>, content_type = "application/json"),
    responses((status = 200, body = DrainSummary), (status = 400, body = omnicrm_problem::Problem),
        (status = 401, body = omnicrm_problem::Problem)))]
#[post("/jobs/runner")]
pub async fn run_jobs(
    user: AuthUser,
    state: web::Data<ApiState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let limit = optional_limit(&req, &body, 10, RUNNER_MAX_LIMIT)?;
    let summary = state
        .services
        .jobs
        .run_now(user.id, usize::try_from(limit).unwrap_or(10))
        .await?;
    Ok(HttpResponse::Ok().json(summary))
}
