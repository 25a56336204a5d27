use actix_web::{HttpResponse, get, web};
use omnicrm_domain::tasks::MomentumStats;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Tasks (total, completed, in progress, overdue, awaiting approval), projects, habits
/// done today and unprocessed inbox items; "today" and "overdue" in your time zone.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = MomentumStats)))]
#[get("/omni-momentum/stats")]
pub async fn momentum_stats(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tasks.stats(user.id).await?))
}
