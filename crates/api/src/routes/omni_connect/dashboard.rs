use actix_web::{HttpResponse, get, web};
use omnicrm_domain::google::ConnectDashboard;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Per Google service: connected or revoked, the last successful sync and the lag since,
/// the last error, the circuit breaker, sync jobs queued, running and failed, and the last
/// 10 runs with their ledgers (listed, fetched, imported, skipped by reason, failed).
#[utoipa::path(tag = "omni-connect", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ConnectDashboard), (status = 503, body = omnicrm_problem::Problem)))]
#[get("/omni-connect/dashboard")]
pub async fn omni_connect_dashboard(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let dashboard = state.services.google.dashboard(user.id).await?;
    Ok(HttpResponse::Ok().json(dashboard))
}
