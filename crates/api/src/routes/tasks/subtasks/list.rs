use actix_web::{HttpResponse, get, web};
use omnicrm_domain::TaskId;
use omnicrm_domain::tasks::Subtask;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// The task's subtasks, in order.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "task id")),
    responses((status = 200, body = Vec<Subtask>), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/tasks/{id}/subtasks")]
pub async fn list_subtasks(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<TaskId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tasks.subtasks(user.id, id.0).await?))
}
