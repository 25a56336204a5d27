use actix_web::{HttpResponse, post, web};
use omnicrm_domain::insights::RequestInsights;
use omnicrm_domain::jobs::JobView;

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Queues the generation of insights about a contact (`subjectId`), or of the heuristics
/// of every contact and the weekly digest. Answers 202 with the job and
/// `Location: /api/v1/jobs/{id}`; asking again while it is queued or running answers the
/// same job. The model's kinds need a provider: without one the job reports them skipped.
#[utoipa::path(tag = "insights", security(("bearer" = []), ("cookie" = [])),
    request_body = RequestInsights,
    responses(
        (status = 202, body = JobView,
            headers(("Location" = String, description = "/api/v1/jobs/{id}"))),
        (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[post("/data-intelligence/ai-insights")]
pub async fn request_insights(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<RequestInsights>,
) -> Result<HttpResponse, ApiError> {
    let id = state.services.insights.request(user.id, body.0).await?;
    let job = state.services.jobs.get(user.id, id).await?;
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", format!("/api/v1/jobs/{id}")))
        .json(job))
}
