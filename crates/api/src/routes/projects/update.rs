use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::ProjectId;
use omnicrm_domain::tasks::{ProjectView, UpdateProject};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Partial update: absent fields stay, `null` clears `dueDate`, `zoneId` or `details`.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "project id")), request_body = UpdateProject,
    responses((status = 200, body = ProjectView), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[patch("/omni-momentum/projects/{id}")]
pub async fn update_project(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ProjectId>,
    body: ValidJson<UpdateProject>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .tasks
            .update_project(user.id, id.0, body.0)
            .await?,
    ))
}
