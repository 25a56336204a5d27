use actix_web::{HttpResponse, delete, web};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Removes a contact identity (the contact stays).
#[utoipa::path(tag = "identities", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "identity id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/data-intelligence/contact-identities/{id}")]
pub async fn delete_identity(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state
        .services
        .identities
        .delete_identity(user.id, id.0)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
