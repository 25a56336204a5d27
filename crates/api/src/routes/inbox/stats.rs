use actix_web::{HttpResponse, get, web};
use omnicrm_domain::inbox::InboxStatsView;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Your inbox's counts per status, the total, and the captures of the last 24 hours.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = InboxStatsView)))]
#[get("/omni-momentum/inbox/stats")]
pub async fn inbox_stats(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tasks.inbox_stats(user.id).await?))
}
