use actix_web::{HttpRequest, HttpResponse, delete, web};
use omnicrm_domain::TaskId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Removes one subtask.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "task id"),
        ("subtaskId" = uuid::Uuid, Path, description = "subtask id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/omni-momentum/tasks/{id}/subtasks/{subtaskId}")]
pub async fn delete_subtask(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<TaskId>,
) -> Result<HttpResponse, ApiError> {
    let subtask = super::subtask_id(&req)?;
    state
        .services
        .tasks
        .delete_subtask(user.id, id.0, subtask)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
