use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::tasks::{TaskListQuery, TaskView};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of your tasks. Filters combine: any of `status` (default: all but
/// `pending_approval`), any of `priority`, a project, a zone, any of `tagId`, a contact,
/// a due range (inclusive), `overdue`, a name substring. Sorted by `createdAt` (default),
/// `updatedAt`, `dueDate` (undated last) or `priority`.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])), params(TaskListQuery),
    responses((status = 200, body = Page<TaskView>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/tasks")]
pub async fn list_tasks(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<TaskListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tasks.list_tasks(user.id, query.0).await?))
}
