use actix_web::{HttpResponse, post, web};
use omnicrm_domain::habits::{CreateHabit, Habit};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Creates a habit.
#[utoipa::path(tag = "habits", security(("bearer" = []), ("cookie" = [])), request_body = CreateHabit,
    responses((status = 201, body = Habit), (status = 400, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/habits")]
pub async fn create_habit(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<CreateHabit>,
) -> Result<HttpResponse, ApiError> {
    let habit = state.services.habits.create(user.id, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/omni-momentum/habits/{}", habit.id),
        ))
        .json(habit))
}
