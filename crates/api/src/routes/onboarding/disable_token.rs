use actix_web::{HttpResponse, post, web};
use omnicrm_domain::OnboardingTokenId;
use omnicrm_domain::onboarding::OnboardingTokenInfo;

use crate::auth::AuthUser;
use crate::extract::{ActionBody, EmptyBody, IdPath};
use crate::{ApiError, ApiState};

/// Switches an onboarding link off for good (idempotent). The body may be empty or `{}`;
/// anything else is 400.
#[utoipa::path(
    extensions(("x-body-limit" = json!(crate::http::limits::body_limit::ACTION))),
    tag = "onboarding", security(("bearer" = []), ("cookie" = [])),
    request_body(content = Option<EmptyBody>, content_type = "application/json"),
    params(("id" = uuid::Uuid, Path, description = "link id")),
    responses((status = 200, body = OnboardingTokenInfo), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[post("/onboarding/admin/tokens/{id}/disable")]
pub async fn disable_onboarding_token(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<OnboardingTokenId>,
    _body: ActionBody,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .onboarding
            .disable_token(user.id, id.0)
            .await?,
    ))
}
