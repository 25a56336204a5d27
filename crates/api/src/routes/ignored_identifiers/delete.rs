use actix_web::{HttpResponse, delete, web};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Stops ignoring an identifier.
#[utoipa::path(tag = "identities", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "ignored identifier id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/data-intelligence/ignored-identifiers/{id}")]
pub async fn delete_ignored(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state
        .services
        .identities
        .delete_ignored(user.id, id.0)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
