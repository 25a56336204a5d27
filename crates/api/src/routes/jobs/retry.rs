use actix_web::{HttpResponse, post, web};
use uuid::Uuid;

use omnicrm_services::jobs::JobView;

use crate::auth::AuthUser;
use crate::extract::{ActionBody, EmptyBody, IdPath};
use crate::{ApiError, ApiState};

/// Puts a dead job back in the queue with fresh attempts; its error history is kept.
/// Any other state is 409. The body may be empty or `{}`.
#[utoipa::path(
    extensions(("x-body-limit" = json!(crate::http::limits::body_limit::ACTION))),
    tag = "jobs", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "job id")),
    request_body(content = Option<EmptyBody>, content_type = "application/json"),
    responses((status = 200, body = JobView), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem),
        (status = 409, body = omnicrm_problem::Problem)))]
#[post("/jobs/{id}/retry")]
pub async fn retry_job(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
    _body: ActionBody,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.jobs.retry(user.id, id.0).await?))
}
