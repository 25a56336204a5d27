use actix_web::{HttpRequest, HttpResponse, patch, web};
use omnicrm_domain::TaskId;
use omnicrm_domain::tasks::{Subtask, UpdateSubtask};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Changes one subtask's title, completion or duration (`null` clears the duration).
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "task id"),
        ("subtaskId" = uuid::Uuid, Path, description = "subtask id")),
    request_body = UpdateSubtask,
    responses((status = 200, body = Subtask), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[patch("/omni-momentum/tasks/{id}/subtasks/{subtaskId}")]
pub async fn update_subtask(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<TaskId>,
    body: ValidJson<UpdateSubtask>,
) -> Result<HttpResponse, ApiError> {
    let subtask = super::subtask_id(&req)?;
    Ok(HttpResponse::Ok().json(
        state
            .services
            .tasks
            .update_subtask(user.id, id.0, subtask, body.0)
            .await?,
    ))
}
