use actix_web::{HttpResponse, post, web};
use omnicrm_domain::HabitId;
use omnicrm_domain::habits::{CreateHabitCompletion, HabitCompletion};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Records the habit as done on a day (today in your time zone when `completedDate` is
/// absent). 409 `conflict` when that day is already done, or when a yes/no habit is given
/// a value.
#[utoipa::path(tag = "habits", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "habit id")), request_body = CreateHabitCompletion,
    responses((status = 201, body = HabitCompletion), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 409, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/habits/{id}/completions")]
pub async fn complete_habit(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<HabitId>,
    body: ValidJson<CreateHabitCompletion>,
) -> Result<HttpResponse, ApiError> {
    let done = state
        .services
        .habits
        .complete(user.id, id.0, body.0)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!(
                "/api/v1/omni-momentum/habits/{}/completions/{}",
                done.habit_id, done.id
            ),
        ))
        .json(done))
}
