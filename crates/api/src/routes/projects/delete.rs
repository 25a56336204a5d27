use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::ProjectId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Deletes a project and its tasks.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "project id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/omni-momentum/projects/{id}")]
pub async fn delete_project(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    state.services.tasks.delete_project(user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
