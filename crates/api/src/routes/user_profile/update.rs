use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::user_profile::{UpdateUserProfile, UserProfile};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Creates or changes your profile: absent fields stay, `null` or blank text clears,
/// a cleared time zone becomes `UTC`.
#[utoipa::path(tag = "user", security(("bearer" = []), ("cookie" = [])), request_body = UpdateUserProfile,
    responses((status = 200, body = UserProfile), (status = 400, body = omnicrm_problem::Problem)))]
#[patch("/user-profile")]
pub async fn update_user_profile(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<UpdateUserProfile>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.profiles.update(user.id, body.0).await?))
}
