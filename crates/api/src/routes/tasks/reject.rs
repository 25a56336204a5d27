use actix_web::{HttpRequest, HttpResponse, post, web};
use omnicrm_domain::TaskId;
use omnicrm_domain::tasks::{RejectTask, TaskView};

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Rejects a suggested task: it becomes `canceled` and keeps the `reason` and the time of
/// the rejection (the body may be empty). 409 when the task is not awaiting approval.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "task id")),
    request_body(content = Option<RejectTask>, content_type = "application/json"),
    responses((status = 200, body = TaskView), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 409, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/tasks/{id}/reject")]
pub async fn reject_task(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<TaskId>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let input: RejectTask = super::optional_body(&req, &body)?;
    Ok(HttpResponse::Ok().json(
        state
            .services
            .tasks
            .reject_task(user.id, id.0, input)
            .await?,
    ))
}
