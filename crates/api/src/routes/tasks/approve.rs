use actix_web::{HttpRequest, HttpResponse, post, web};
use omnicrm_domain::TaskId;
use omnicrm_domain::tasks::{ApproveTask, TaskView};

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Approves a suggested task: it becomes `todo`, with the body's edits (the body may be
/// empty). 409 when the task is not awaiting approval.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "task id")),
    request_body(content = Option<ApproveTask>, content_type = "application/json"),
    responses((status = 200, body = TaskView), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 409, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/tasks/{id}/approve")]
pub async fn approve_task(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<TaskId>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let input: ApproveTask = super::optional_body(&req, &body)?;
    Ok(HttpResponse::Ok().json(
        state
            .services
            .tasks
            .approve_task(user.id, id.0, input)
            .await?,
    ))
}
