use actix_web::{HttpResponse, get, web};
use omnicrm_domain::pulse::{PulseAnalytics, PulseAnalyticsQuery, PulsePeriod};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// Your check-ins over the week, month or quarter ending today (your time zone):
/// averages, trends, best and worst day, correlations between the ratings and the other
/// fields, and a calendar heatmap.
#[utoipa::path(tag = "pulse", security(("bearer" = []), ("cookie" = [])), params(PulseAnalyticsQuery),
    responses((status = 200, body = PulseAnalytics), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/pulse/analytics")]
pub async fn pulse_analytics(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<PulseAnalyticsQuery>,
) -> Result<HttpResponse, ApiError> {
    let period = query.0.period.unwrap_or(PulsePeriod::Week);
    Ok(HttpResponse::Ok().json(state.services.pulse.analytics(user.id, period).await?))
}
