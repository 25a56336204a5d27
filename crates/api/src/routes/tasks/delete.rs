use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::TaskId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Deletes a task with its subtasks and links.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "task id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/omni-momentum/tasks/{id}")]
pub async fn delete_task(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<TaskId>,
) -> Result<HttpResponse, ApiError> {
    state.services.tasks.delete_task(user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
