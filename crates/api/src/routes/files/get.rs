use actix_web::{HttpResponse, get, web};
use omnicrm_domain::files::ClientFileView;

use super::{ContactFilePath, with_absolute_url};
use crate::auth::AuthUser;
use crate::extract::ClientAccess;
use crate::{ApiError, ApiState};

/// One file of the contact with a fresh signed URL (recorded in the access log if it is a
/// photo).
#[utoipa::path(tag = "files", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"),
        ("fileId" = uuid::Uuid, Path, description = "file id")),
    responses((status = 200, body = ClientFileView), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/contacts/{id}/files/{fileId}")]
pub async fn get_file(
    user: AuthUser,
    state: web::Data<ApiState>,
    path: ContactFilePath,
    access: ClientAccess,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .services
        .files
        .get_file(user.id, path.contact, path.file, access.0)
        .await?;
    Ok(HttpResponse::Ok().json(with_absolute_url(&state, view)))
}
