use actix_web::{HttpResponse, get, web};
use omnicrm_domain::files::{ClientFileView, FileListQuery};
use omnicrm_domain::{ContactId, Page};

use super::with_absolute_url;
use crate::auth::AuthUser;
use crate::extract::{ClientAccess, IdPath, ValidQuery};
use crate::{ApiError, ApiState};

/// A page of the contact's files, newest first, each with a signed URL valid for an hour.
/// Photos in the page are recorded in the photo access log.
#[utoipa::path(tag = "files", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"), FileListQuery),
    responses((status = 200, body = Page<ClientFileView>), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/contacts/{id}/files")]
pub async fn list_files(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    query: ValidQuery<FileListQuery>,
    access: ClientAccess,
) -> Result<HttpResponse, ApiError> {
    let mut page = state
        .services
        .files
        .list(user.id, id.0, query.0, access.0)
        .await?;
    page.items = page
        .items
        .into_iter()
        .map(|view| with_absolute_url(&state, view))
        .collect();
    Ok(HttpResponse::Ok().json(page))
}
