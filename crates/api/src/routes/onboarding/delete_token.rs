use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::OnboardingTokenId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Deletes an onboarding link and the photos uploaded with it that no submission used.
/// Contacts it created stay.
#[utoipa::path(tag = "onboarding", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "link id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/onboarding/admin/tokens/{id}")]
pub async fn delete_onboarding_token(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<OnboardingTokenId>,
) -> Result<HttpResponse, ApiError> {
    state
        .services
        .onboarding
        .delete_token(user.id, id.0)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
