use actix_web::{HttpResponse, get, web};
use omnicrm_domain::HabitId;
use omnicrm_domain::habits::HabitStreakReport;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// The habit's streak on your today (your profile's time zone): current and longest run,
/// last completion, whether today is done, milestones.
#[utoipa::path(tag = "habits", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "habit id")),
    responses((status = 200, body = HabitStreakReport), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/habits/{id}/streak")]
pub async fn habit_streak(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<HabitId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.habits.streak(user.id, id.0).await?))
}
