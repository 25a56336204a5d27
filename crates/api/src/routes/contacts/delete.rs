use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::ContactId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Deletes a contact with its notes, consents, files and identities.
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/contacts/{id}")]
pub async fn delete_contact(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
) -> Result<HttpResponse, ApiError> {
    state.services.contacts.delete(user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
