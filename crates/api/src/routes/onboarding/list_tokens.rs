use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::onboarding::{OnboardingTokenInfo, OnboardingTokenListQuery};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of the user's onboarding links, newest first (never with their tokens).
#[utoipa::path(tag = "onboarding", security(("bearer" = []), ("cookie" = [])),
    params(OnboardingTokenListQuery),
    responses((status = 200, body = Page<OnboardingTokenInfo>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/onboarding/admin/tokens")]
pub async fn list_onboarding_tokens(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<OnboardingTokenListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .onboarding
            .list_tokens(user.id, query.0)
            .await?,
    ))
}
