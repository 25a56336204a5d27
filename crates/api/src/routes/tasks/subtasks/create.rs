use actix_web::{HttpResponse, post, web};
use omnicrm_domain::TaskId;
use omnicrm_domain::tasks::{CreateSubtask, Subtask};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Appends a subtask (not done). 409 when the task already has 100.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "task id")), request_body = CreateSubtask,
    responses((status = 201, body = Subtask), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 409, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/tasks/{id}/subtasks")]
pub async fn create_subtask(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<TaskId>,
    body: ValidJson<CreateSubtask>,
) -> Result<HttpResponse, ApiError> {
    let subtask = state
        .services
        .tasks
        .add_subtask(user.id, id.0, body.0)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!(
                "/api/v1/omni-momentum/tasks/{}/subtasks/{}",
                id.0, subtask.id
            ),
        ))
        .json(subtask))
}
