use actix_web::{HttpResponse, delete, web};

use super::ServicePath;
use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Disconnects a Google service: revokes the grant at Google (best effort) and deletes
/// the stored tokens. 404 when it is not connected.
#[utoipa::path(tag = "google", security(("bearer" = []), ("cookie" = [])),
    params(("service" = omnicrm_domain::google::GoogleService, Path, description = "the Google service")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[delete("/google/{service}")]
pub async fn google_disconnect(
    user: AuthUser,
    state: web::Data<ApiState>,
    service: ServicePath,
) -> Result<HttpResponse, ApiError> {
    state.services.google.disconnect(user.id, service.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
