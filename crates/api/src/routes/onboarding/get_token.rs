use actix_web::{HttpResponse, get, web};
use omnicrm_domain::OnboardingTokenId;
use omnicrm_domain::onboarding::OnboardingTokenInfo;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One onboarding link with its usage counters (never with its token).
#[utoipa::path(tag = "onboarding", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "link id")),
    responses((status = 200, body = OnboardingTokenInfo), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/onboarding/admin/tokens/{id}")]
pub async fn get_onboarding_token(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<OnboardingTokenId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.onboarding.get_token(user.id, id.0).await?))
}
