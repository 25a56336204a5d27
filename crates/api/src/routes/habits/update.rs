use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::HabitId;
use omnicrm_domain::habits::{Habit, UpdateHabit};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Partial update (`null` clears an optional field). Honours `If-Match`.
#[utoipa::path(tag = "habits", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "habit id")), request_body = UpdateHabit,
    responses((status = 200, body = Habit), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[patch("/omni-momentum/habits/{id}")]
pub async fn update_habit(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<HabitId>,
    body: ValidJson<UpdateHabit>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.habits.update(user.id, id.0, body.0).await?))
}
