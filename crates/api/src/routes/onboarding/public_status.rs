use actix_web::{HttpRequest, HttpResponse, get, web};
use omnicrm_domain::onboarding::PublicTokenStatus;

use crate::{ApiError, ApiState};

/// Public: whether a link can be used, with its expiry, label and who sent it. Unknown,
/// expired, disabled and used-up links all answer the same 404. Rate limited per client
/// address.
#[utoipa::path(tag = "onboarding-public",
    params(("token" = String, Path, description = "the link's token")),
    responses((status = 200, body = PublicTokenStatus), (status = 404, body = omnicrm_problem::Problem),
        (status = 429, body = omnicrm_problem::Problem), (status = 503, body = omnicrm_problem::Problem)))]
#[get("/onboarding/public/tokens/{token}")]
pub async fn public_token_status(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let token = req.match_info().get("token").unwrap_or_default();
    Ok(HttpResponse::Ok().json(state.services.onboarding.public_status(token).await?))
}
