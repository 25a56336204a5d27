use actix_web::{HttpResponse, get, web};
use omnicrm_domain::TaskId;
use omnicrm_domain::tasks::TaskView;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One task with its tags, contacts and subtasks.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "task id")),
    responses((status = 200, body = TaskView), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/tasks/{id}")]
pub async fn get_task(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<TaskId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tasks.get_task(user.id, id.0).await?))
}
