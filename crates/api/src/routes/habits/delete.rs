use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::HabitId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Deletes a habit with its completions.
#[utoipa::path(tag = "habits", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "habit id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/omni-momentum/habits/{id}")]
pub async fn delete_habit(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<HabitId>,
) -> Result<HttpResponse, ApiError> {
    state.services.habits.delete(user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
