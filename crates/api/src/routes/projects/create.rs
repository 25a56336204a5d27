use actix_web::{HttpResponse, post, web};
use omnicrm_domain::tasks::{CreateProject, ProjectView};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Creates a project. A `zoneId` that is no zone is 400 `validation_failed` at `/zoneId`.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])), request_body = CreateProject,
    responses((status = 201, body = ProjectView), (status = 400, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/projects")]
pub async fn create_project(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<CreateProject>,
) -> Result<HttpResponse, ApiError> {
    let project = state.services.tasks.create_project(user.id, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/omni-momentum/projects/{}", project.id),
        ))
        .json(project))
}
