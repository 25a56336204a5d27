use actix_web::{HttpResponse, get, web};
use omnicrm_domain::google::GoogleStatus;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Your Google connections, one entry per service: connected, the account, scopes,
/// token expiry, and `revoked` when Google refused the grant (reconnect).
#[utoipa::path(tag = "google", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = GoogleStatus), (status = 503, body = omnicrm_problem::Problem)))]
#[get("/google/status")]
pub async fn google_status(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let services = state.services.google.status(user.id).await?;
    Ok(HttpResponse::Ok().json(GoogleStatus { services }))
}
