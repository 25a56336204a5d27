use actix_web::{HttpRequest, HttpResponse, get, web};
use omnicrm_domain::ContactId;
use omnicrm_domain::entities::ClientConsent;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One consent decision of the contact.
#[utoipa::path(tag = "consents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"),
        ("consentId" = uuid::Uuid, Path, description = "consent id")),
    responses((status = 200, body = ClientConsent), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/contacts/{id}/consents/{consentId}")]
pub async fn get_consent(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
) -> Result<HttpResponse, ApiError> {
    let consent_id = super::consent_id(&req)?;
    Ok(HttpResponse::Ok().json(
        state
            .services
            .consents
            .get(user.id, id.0, consent_id)
            .await?,
    ))
}
