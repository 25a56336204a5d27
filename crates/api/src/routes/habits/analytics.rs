use actix_web::{HttpResponse, get, web};
use omnicrm_domain::HabitId;
use omnicrm_domain::habits::{HabitAnalytics, HabitAnalyticsQuery};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidQuery};
use crate::{ApiError, ApiState};

/// The habit over the last `days` days (from its start if younger): completion rate,
/// average value, streaks, trend, a daily heatmap and the rate per day of the week.
#[utoipa::path(tag = "habits", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "habit id"), HabitAnalyticsQuery),
    responses((status = 200, body = HabitAnalytics), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/habits/{id}/analytics")]
pub async fn habit_analytics(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<HabitId>,
    query: ValidQuery<HabitAnalyticsQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .habits
            .analytics(user.id, id.0, query.0.days)
            .await?,
    ))
}
