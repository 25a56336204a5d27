use actix_web::{HttpResponse, delete, web};

use super::ContactFilePath;
use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Deletes one file of the contact and its stored object; its signed URLs stop working.
/// Deleting the contact's current photo this way also clears the photo.
#[utoipa::path(tag = "files", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"),
        ("fileId" = uuid::Uuid, Path, description = "file id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/contacts/{id}/files/{fileId}")]
pub async fn delete_file(
    user: AuthUser,
    state: web::Data<ApiState>,
    path: ContactFilePath,
) -> Result<HttpResponse, ApiError> {
    state
        .services
        .files
        .delete_file(user.id, path.contact, path.file)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
