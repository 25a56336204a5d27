use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::entities::ContactIdentity;
use omnicrm_domain::identities::UpdateContactIdentity;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Changes kind, value or provider (`null` clears the provider); the value is normalised
/// for the resulting kind. 409 when the result is taken.
#[utoipa::path(tag = "identities", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "identity id")), request_body = UpdateContactIdentity,
    responses((status = 200, body = ContactIdentity), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 409, body = omnicrm_problem::Problem)))]
#[patch("/data-intelligence/contact-identities/{id}")]
pub async fn update_identity(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
    body: ValidJson<UpdateContactIdentity>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .identities
            .update_identity(user.id, id.0, body.0)
            .await?,
    ))
}
