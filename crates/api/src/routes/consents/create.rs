use actix_web::{HttpRequest, HttpResponse, post, web};
use omnicrm_domain::ContactId;
use omnicrm_domain::consents::CreateConsent;
use omnicrm_domain::entities::ClientConsent;

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::http::request_origin;
use crate::{ApiError, ApiState};

/// Records a consent decision of the contact; the address and user agent are taken from
/// the request.
#[utoipa::path(tag = "consents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id")),
    request_body = CreateConsent,
    responses((status = 201, body = ClientConsent), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[post("/contacts/{id}/consents")]
pub async fn create_consent(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    body: ValidJson<CreateConsent>,
) -> Result<HttpResponse, ApiError> {
    let origin = request_origin(&req, &state.config.trusted_proxies);
    let consent = state
        .services
        .consents
        .create(user.id, id.0, body.0, origin)
        .await?;
    Ok(super::created(consent))
}
