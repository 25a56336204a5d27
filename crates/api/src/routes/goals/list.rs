use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::goals::{Goal, GoalListQuery};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of your goals, newest first; filters `goalType`, `status` (both repeatable) and
/// `contactId`.
#[utoipa::path(tag = "goals", security(("bearer" = []), ("cookie" = [])), params(GoalListQuery),
    responses((status = 200, body = Page<Goal>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/goals")]
pub async fn list_goals(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<GoalListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.goals.list(user.id, query.0).await?))
}
