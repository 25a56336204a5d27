use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::ContactId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Removes the contact's photo; 404 when it has none.
#[utoipa::path(tag = "files", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/contacts/{id}/photo")]
pub async fn delete_photo(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
) -> Result<HttpResponse, ApiError> {
    state.services.files.delete_photo(user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
