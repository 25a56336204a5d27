use actix_web::{HttpResponse, get, web};
use omnicrm_domain::inbox::InboxQueueStats;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Your captures queued for background processing and not processed yet.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = InboxQueueStats)))]
#[get("/omni-momentum/inbox/queue")]
pub async fn inbox_queue(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tasks.inbox_queue(user.id).await?))
}
