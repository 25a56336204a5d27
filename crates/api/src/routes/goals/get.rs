use actix_web::{HttpResponse, get, web};
use omnicrm_domain::GoalId;
use omnicrm_domain::goals::Goal;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One goal with its tags and linked notes.
#[utoipa::path(tag = "goals", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "goal id")),
    responses((status = 200, body = Goal), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/goals/{id}")]
pub async fn get_goal(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<GoalId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.goals.get(user.id, id.0).await?))
}
