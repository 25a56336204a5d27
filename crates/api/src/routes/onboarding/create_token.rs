use actix_web::{HttpResponse, post, web};
use omnicrm_domain::onboarding::{CreateOnboardingToken, OnboardingTokenCreated};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Creates an onboarding link. The answer is the only place the token ever appears:
/// only its SHA-256 is stored.
#[utoipa::path(tag = "onboarding", security(("bearer" = []), ("cookie" = [])),
    request_body = CreateOnboardingToken,
    responses((status = 201, body = OnboardingTokenCreated), (status = 400, body = omnicrm_problem::Problem)))]
#[post("/onboarding/admin/tokens")]
pub async fn create_onboarding_token(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<CreateOnboardingToken>,
) -> Result<HttpResponse, ApiError> {
    let token = state
        .services
        .onboarding
        .create_token(user.id, body.0, &state.config.public_url)
        .await?;
    Ok(super::created(token))
}
