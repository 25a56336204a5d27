use actix_web::{HttpResponse, get, web};
use omnicrm_domain::user_profile::UserProfile;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Your profile. Before the first change it is empty: time zone `UTC`, every other field
/// and both timestamps null.
#[utoipa::path(tag = "user", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = UserProfile)))]
#[get("/user-profile")]
pub async fn get_user_profile(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.profiles.get(user.id).await?))
}
