use actix_web::{HttpResponse, post, web};
use omnicrm_domain::tasks::{CreateTask, TaskView};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Creates a task. A `projectId`, `zoneId`, `tagIds` or `contactIds` entry that is not
/// yours is 400 `validation_failed` pointing at it. `status: pending_approval` files it as
/// a suggestion (see `/tasks/pending-approval`).
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])), request_body = CreateTask,
    responses((status = 201, body = TaskView), (status = 400, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/tasks")]
pub async fn create_task(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<CreateTask>,
) -> Result<HttpResponse, ApiError> {
    let task = state.services.tasks.create_task(user.id, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/omni-momentum/tasks/{}", task.id),
        ))
        .json(task))
}
