use actix_web::{HttpRequest, HttpResponse, delete, web};
use omnicrm_domain::HabitId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Undoes a completion (the day is no longer done).
#[utoipa::path(tag = "habits", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "habit id"),
        ("completionId" = uuid::Uuid, Path, description = "completion id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/omni-momentum/habits/{id}/completions/{completionId}")]
pub async fn undo_completion(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<HabitId>,
) -> Result<HttpResponse, ApiError> {
    let completion = super::completion_id(&req)?;
    state
        .services
        .habits
        .undo(user.id, id.0, completion)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
