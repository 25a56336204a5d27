use actix_web::{HttpResponse, get, web};

use super::ServicePath;
use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Starts connecting a Google service: 302 to Google's consent screen (offline access,
/// the service's read-only scope plus `openid email`, PKCE S256) with a `state` that is
/// signed, bound to you and the service, single-use and valid for 10 minutes.
#[utoipa::path(tag = "google", security(("bearer" = []), ("cookie" = [])),
    params(("service" = omnicrm_domain::google::GoogleService, Path, description = "the Google service")),
    responses(
        (status = 302, description = "to Google's consent screen",
            headers(("location" = String, description = "Google's authorization URL"))),
        (status = 404, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[get("/google/{service}/connect")]
pub async fn google_connect(
    user: AuthUser,
    state: web::Data<ApiState>,
    service: ServicePath,
) -> Result<HttpResponse, ApiError> {
    let url = state.services.google.connect(user.id, service.0).await?;
    Ok(HttpResponse::Found()
        .insert_header(("location", url))
        .insert_header(("cache-control", "no-store"))
        .finish())
}
