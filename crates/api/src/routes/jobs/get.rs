use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};
use omnicrm_services::jobs::JobView;

/// One of the caller's jobs.
#[utoipa::path(tag = "jobs", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "job id")),
    responses((status = 200, body = JobView), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/jobs/{id}")]
pub async fn get_job(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.jobs.get(user.id, id.0).await?))
}
