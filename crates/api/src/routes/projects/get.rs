use actix_web::{HttpResponse, get, web};
use omnicrm_domain::ProjectId;
use omnicrm_domain::tasks::ProjectView;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One project with its progress (share of its tasks done).
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "project id")),
    responses((status = 200, body = ProjectView), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/projects/{id}")]
pub async fn get_project(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tasks.get_project(user.id, id.0).await?))
}
