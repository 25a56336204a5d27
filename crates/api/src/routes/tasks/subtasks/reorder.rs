use actix_web::{HttpResponse, post, web};
use omnicrm_domain::TaskId;
use omnicrm_domain::tasks::{ReorderSubtasks, Subtask};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Puts the subtasks in the order of `ids`, which names every subtask of the task once
/// (400 `validation_failed` at `/ids` otherwise). Answers the subtasks in their new order.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "task id")), request_body = ReorderSubtasks,
    responses((status = 200, body = Vec<Subtask>), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/tasks/{id}/subtasks/reorder")]
pub async fn reorder_subtasks(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<TaskId>,
    body: ValidJson<ReorderSubtasks>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .tasks
            .reorder_subtasks(user.id, id.0, body.0)
            .await?,
    ))
}
