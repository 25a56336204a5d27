use actix_web::{HttpResponse, post, web};
use omnicrm_domain::onboarding::{CreateOnboardingToken, OnboardingTokenCreated};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Alias of `POST /onboarding/admin/tokens` under the original system's path; same body
/// and answer.
#[utoipa::path(tag = "onboarding", security(("bearer" = []), ("cookie" = [])),
    request_body = CreateOnboardingToken,
    responses((status = 201, body = OnboardingTokenCreated), (status = 400, body = omnicrm_problem::Problem)))]
#[post("/onboarding/admin/generate-tokens")]
pub async fn generate_onboarding_tokens(
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
