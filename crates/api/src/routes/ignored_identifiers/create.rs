use actix_web::{HttpResponse, post, web};
use omnicrm_domain::entities::IgnoredIdentifier;
use omnicrm_domain::identities::CreateIgnoredIdentifier;

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Ignores an identifier (normalised like a contact identity); 409 when it already is.
#[utoipa::path(tag = "identities", security(("bearer" = []), ("cookie" = [])),
    request_body = CreateIgnoredIdentifier,
    responses((status = 201, body = IgnoredIdentifier), (status = 400, body = omnicrm_problem::Problem),
        (status = 409, body = omnicrm_problem::Problem)))]
#[post("/data-intelligence/ignored-identifiers")]
pub async fn create_ignored(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<CreateIgnoredIdentifier>,
) -> Result<HttpResponse, ApiError> {
    let ignored = state
        .services
        .identities
        .create_ignored(user.id, body.0)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!(
                "/api/v1/data-intelligence/ignored-identifiers/{}",
                ignored.id
            ),
        ))
        .json(ignored))
}
