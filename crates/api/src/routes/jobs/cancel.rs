use actix_web::{HttpResponse, post, web};
use uuid::Uuid;

use omnicrm_services::jobs::JobView;

use crate::auth::AuthUser;
use crate::extract::{ActionBody, EmptyBody, IdPath};
use crate::{ApiError, ApiState};

/// Cancels a job: a queued job is cancelled at once (200); a running job is asked to stop
/// and its worker cancels it at the next heartbeat (202). A finished job is 409.
/// The body may be empty or `{}`.
#[utoipa::path(
    extensions(("x-body-limit" = json!(crate::http::limits::body_limit::ACTION))),
    tag = "jobs", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "job id")),
    request_body(content = Option<EmptyBody>, content_type = "application/json"),
    responses((status = 200, description = "cancelled", body = JobView),
        (status = 202, description = "cancellation requested", body = JobView),
        (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 409, body = omnicrm_problem::Problem)))]
#[post("/jobs/{id}/cancel")]
pub async fn cancel_job(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
    _body: ActionBody,
) -> Result<HttpResponse, ApiError> {
    let outcome = state.services.jobs.cancel(user.id, id.0).await?;
    Ok(if outcome.requested {
        HttpResponse::Accepted().json(outcome.job)
    } else {
        HttpResponse::Ok().json(outcome.job)
    })
}
