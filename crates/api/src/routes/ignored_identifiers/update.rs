use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::entities::IgnoredIdentifier;
use omnicrm_domain::identities::UpdateIgnoredIdentifier;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Changes the reason (`null` clears it); kind and value cannot change.
#[utoipa::path(tag = "identities", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "ignored identifier id")),
    request_body = UpdateIgnoredIdentifier,
    responses((status = 200, body = IgnoredIdentifier), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[patch("/data-intelligence/ignored-identifiers/{id}")]
pub async fn update_ignored(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
    body: ValidJson<UpdateIgnoredIdentifier>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .identities
            .update_ignored(user.id, id.0, body.0)
            .await?,
    ))
}
