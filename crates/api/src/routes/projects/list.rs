use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::tasks::{ProjectListQuery, ProjectView};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of your projects, newest first, each with its progress: any of `status`, one
/// zone, a due range (inclusive), a name substring.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])), params(ProjectListQuery),
    responses((status = 200, body = Page<ProjectView>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/projects")]
pub async fn list_projects(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<ProjectListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tasks.list_projects(user.id, query.0).await?))
}
