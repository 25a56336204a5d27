use actix_web::{HttpResponse, get, web};
use omnicrm_domain::tasks::TaskView;
use omnicrm_domain::{Page, PageQuery, ProjectId};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidQuery};
use crate::{ApiError, ApiState};

/// A page of the project's tasks, soonest due first (suggestions awaiting approval left
/// out); 404 when the project is not yours.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "project id"), PageQuery),
    responses((status = 200, body = Page<TaskView>), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/projects/{id}/tasks")]
pub async fn list_project_tasks(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ProjectId>,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .tasks
            .project_tasks(user.id, id.0, query.0)
            .await?,
    ))
}
