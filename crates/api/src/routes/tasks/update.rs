use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::TaskId;
use omnicrm_domain::tasks::{TaskView, UpdateTask};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Partial update: absent fields stay; `tagIds` / `contactIds` replace the whole set;
/// `completedAt` follows the status. Completing a recurring task creates its next
/// occurrence. 409 when the task awaits approval and the PATCH changes its status.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "task id")), request_body = UpdateTask,
    responses((status = 200, body = TaskView), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 409, body = omnicrm_problem::Problem)))]
#[patch("/omni-momentum/tasks/{id}")]
pub async fn update_task(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<TaskId>,
    body: ValidJson<UpdateTask>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .tasks
            .update_task(user.id, id.0, body.0)
            .await?,
    ))
}
