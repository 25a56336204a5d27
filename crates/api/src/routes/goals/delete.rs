use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::GoalId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Deletes a goal (its tag and note links go with it; the notes stay).
#[utoipa::path(tag = "goals", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "goal id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/omni-momentum/goals/{id}")]
pub async fn delete_goal(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<GoalId>,
) -> Result<HttpResponse, ApiError> {
    state.services.goals.delete(user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
