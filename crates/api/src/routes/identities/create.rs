use actix_web::{HttpResponse, post, web};
use omnicrm_domain::entities::ContactIdentity;
use omnicrm_domain::identities::CreateContactIdentity;

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Adds an identifier to one of the caller's contacts. Emails are stored lower-cased,
/// phones in E.164 (400 when not a valid number). 404 when the contact is not the
/// caller's; 409 when the caller already has this kind, value and provider.
#[utoipa::path(tag = "identities", security(("bearer" = []), ("cookie" = [])),
    request_body = CreateContactIdentity,
    responses((status = 201, body = ContactIdentity), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 409, body = omnicrm_problem::Problem)))]
#[post("/data-intelligence/contact-identities")]
pub async fn create_identity(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<CreateContactIdentity>,
) -> Result<HttpResponse, ApiError> {
    let identity = state
        .services
        .identities
        .create_identity(user.id, body.0)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!(
                "/api/v1/data-intelligence/contact-identities/{}",
                identity.id
            ),
        ))
        .json(identity))
}
