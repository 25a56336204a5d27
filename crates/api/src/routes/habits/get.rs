use actix_web::{HttpResponse, get, web};
use omnicrm_domain::HabitId;
use omnicrm_domain::habits::Habit;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One habit.
#[utoipa::path(tag = "habits", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "habit id")),
    responses((status = 200, body = Habit), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/habits/{id}")]
pub async fn get_habit(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<HabitId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.habits.get(user.id, id.0).await?))
}
