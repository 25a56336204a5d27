use actix_web::{HttpResponse, post, web};
use omnicrm_domain::jobs::JobView;

use super::ServicePath;
use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Sync now: queues a sync of the service (or answers the one already queued or running;
/// the recurring sync and this one never run side by side). 202 with the job; follow it
/// at `/jobs/{id}`. 404 when the service is not connected (or Google revoked it).
#[utoipa::path(tag = "google", security(("bearer" = []), ("cookie" = [])),
    params(("service" = omnicrm_domain::google::GoogleService, Path, description = "the Google service")),
    responses((status = 202, body = JobView), (status = 404, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/google/{service}/sync")]
pub async fn google_sync_now(
    user: AuthUser,
    state: web::Data<ApiState>,
    service: ServicePath,
) -> Result<HttpResponse, ApiError> {
    let id = state.services.google.sync_now(user.id, service.0).await?;
    let job = state.services.jobs.get(user.id, id).await?;
    Ok(HttpResponse::Accepted().json(job))
}
