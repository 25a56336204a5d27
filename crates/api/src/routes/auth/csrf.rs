use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpResponse, get, web};

use crate::ApiState;
use crate::auth::AuthUser;

/// A CSRF token for cookie-authenticated unsafe requests.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CsrfToken {
    /// Echo this in `X-CSRF-Token`.
    pub csrf_token: String,
}

/// Issues a CSRF token bound to the caller's session (valid at most 24 h) and sets it in
/// the `csrf` cookie too.
#[utoipa::path(tag = "auth", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = CsrfToken), (status = 401, body = omnicrm_problem::Problem)))]
#[get("/auth/csrf")]
pub async fn csrf(user: AuthUser, state: web::Data<ApiState>) -> HttpResponse {
    let token = state
        .config
        .csrf
        .issue(&user.claims, time::OffsetDateTime::now_utc());
    let cookie = Cookie::build("csrf", token.clone())
        .path("/")
        .same_site(SameSite::Lax)
        .http_only(false)
        .secure(state.config.secure_cookies())
        .finish();
    HttpResponse::Ok()
        .cookie(cookie)
        .json(CsrfToken { csrf_token: token })
}
