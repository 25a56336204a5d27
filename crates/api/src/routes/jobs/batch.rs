use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};
use omnicrm_services::jobs::JobBatch;

/// Progress of a batch: the caller's jobs in it counted by state. 404 when the caller has
/// no job in the batch.
#[utoipa::path(tag = "jobs", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "batch id")),
    responses((status = 200, body = JobBatch), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/jobs/batches/{id}")]
pub async fn get_job_batch(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.jobs.batch(user.id, id.0).await?))
}
