use actix_web::{HttpResponse, get};
use omnicrm_domain::UserId;

use crate::auth::AuthUser;

/// The authenticated caller.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// User id (`sub`).
    pub user_id: UserId,
    /// Email, when the token carries one.
    pub email: Option<String>,
    /// Token role.
    pub role: Option<String>,
    /// Token expiry (seconds since the epoch).
    pub expires_at: i64,
}

/// Identifies the caller from their access token.
#[utoipa::path(tag = "auth", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Me), (status = 401, body = omnicrm_problem::Problem)))]
#[get("/auth/me")]
pub async fn me(user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(Me {
        user_id: user.id,
        email: user.claims.email,
        role: user.claims.role,
        expires_at: user.claims.exp,
    })
}
