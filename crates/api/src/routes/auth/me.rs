use actix_web::{HttpResponse, get};
use omnicrm_domain::UserId;

use omnicrm_problem::AppError;

use crate::auth::AuthUser;
use crate::http::ApiError;

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
    /// Token expiry (RFC 3339).
    #[serde(with = "omnicrm_domain::timestamp")]
    pub expires_at: time::OffsetDateTime,
}

/// Identifies the caller from their access token.
#[utoipa::path(tag = "auth", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Me), (status = 401, body = omnicrm_problem::Problem)))]
#[get("/auth/me")]
pub async fn me(user: AuthUser) -> Result<HttpResponse, ApiError> {
    // The verifier bounded `exp` to a lifetime after `iat`, so it is a representable time.
    let expires_at = time::OffsetDateTime::from_unix_timestamp(user.claims.exp)
        .map_err(|_| AppError::unauthenticated("token expiry out of range"))?;
    Ok(HttpResponse::Ok().json(Me {
        user_id: user.id,
        email: user.claims.email,
        role: user.claims.role,
        expires_at,
    }))
}
