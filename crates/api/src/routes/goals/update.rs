use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::GoalId;
use omnicrm_domain::goals::{Goal, UpdateGoal};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Partial update (`null` clears the contact, target date or description; `tagIds` and
/// `noteIds` replace the set). Honours `If-Match`.
#[utoipa::path(tag = "goals", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "goal id")), request_body = UpdateGoal,
    responses((status = 200, body = Goal), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[patch("/omni-momentum/goals/{id}")]
pub async fn update_goal(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<GoalId>,
    body: ValidJson<UpdateGoal>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.goals.update(user.id, id.0, body.0).await?))
}
