use actix_web::{HttpResponse, post, web};
use omnicrm_domain::jobs::JobView;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Re-embeds every item of the caller (after a model change, or to be sure): 202 with the
/// job (the one already queued or running, if any); follow it at `/jobs/{id}`. 503
/// `integration_not_configured` when no embedding model or provider is configured.
#[utoipa::path(tag = "search", security(("bearer" = []), ("cookie" = [])),
    responses((status = 202, body = JobView), (status = 503, body = omnicrm_problem::Problem)))]
#[post("/data-intelligence/embeddings/backfill")]
pub async fn request_backfill(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let id = state.services.embeddings.request_backfill(user.id).await?;
    let job = state.services.jobs.get(user.id, id).await?;
    Ok(HttpResponse::Accepted().json(job))
}
