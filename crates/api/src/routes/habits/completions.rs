use actix_web::{HttpResponse, get, web};
use omnicrm_domain::habits::{CompletionListQuery, HabitCompletion};
use omnicrm_domain::{HabitId, Page};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidQuery};
use crate::{ApiError, ApiState};

/// A page of the habit's completions, newest day first, optionally between two days.
#[utoipa::path(tag = "habits", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "habit id"), CompletionListQuery),
    responses((status = 200, body = Page<HabitCompletion>), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/habits/{id}/completions")]
pub async fn list_completions(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<HabitId>,
    query: ValidQuery<CompletionListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .habits
            .completions(user.id, id.0, query.0)
            .await?,
    ))
}
