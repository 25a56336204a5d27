use actix_web::{HttpResponse, get, web};
use omnicrm_domain::habits::HabitsSummary;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Figures across your habits on your today: counts, done today, the 30-day completion
/// rate, current streaks and week-over-week / month-over-month changes.
#[utoipa::path(tag = "habits", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = HabitsSummary)))]
#[get("/omni-momentum/habits/analytics")]
pub async fn habits_summary(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.habits.summary(user.id).await?))
}
