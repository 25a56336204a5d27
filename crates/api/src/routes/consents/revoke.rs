use actix_web::{HttpRequest, HttpResponse, post, web};
use omnicrm_domain::ContactId;
use omnicrm_domain::entities::ClientConsent;

use crate::auth::AuthUser;
use crate::extract::{ActionBody, EmptyBody, IdPath};
use crate::http::request_origin;
use crate::{ApiError, ApiState};

/// Withdraws the consent type of `consentId`: records a new decision with
/// `granted = false` (same type and text version; the history is kept) and answers it
/// with 201. 409 when that type is not currently granted. The body may be empty or `{}`;
/// anything else is 400.
#[utoipa::path(
    extensions(("x-body-limit" = json!(crate::http::limits::body_limit::ACTION))),
    tag = "consents", security(("bearer" = []), ("cookie" = [])),
    request_body(content = Option<EmptyBody>, content_type = "application/json"),
    params(("id" = uuid::Uuid, Path, description = "contact id"),
        ("consentId" = uuid::Uuid, Path, description = "the consent to withdraw")),
    responses((status = 201, body = ClientConsent), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem),
        (status = 409, body = omnicrm_problem::Problem)))]
#[post("/contacts/{id}/consents/{consentId}/revoke")]
pub async fn revoke_consent(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    _body: ActionBody,
) -> Result<HttpResponse, ApiError> {
    let consent_id = super::consent_id(&req)?;
    let origin = request_origin(&req, &state.config.trusted_proxies);
    let consent = state
        .services
        .consents
        .revoke(user.id, id.0, consent_id, origin)
        .await?;
    Ok(super::created(consent))
}
