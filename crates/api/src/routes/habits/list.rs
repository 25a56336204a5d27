use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::habits::{Habit, HabitListQuery};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of the user's habits, oldest first; `isActive` filters.
#[utoipa::path(tag = "habits", security(("bearer" = []), ("cookie" = [])), params(HabitListQuery),
    responses((status = 200, body = Page<Habit>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/habits")]
pub async fn list_habits(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<HabitListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.habits.list(user.id, query.0).await?))
}
