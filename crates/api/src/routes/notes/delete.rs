use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::NoteId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Deletes a note with its tag and goal links.
#[utoipa::path(tag = "notes", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "note id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/notes/{id}")]
pub async fn delete_note(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<NoteId>,
) -> Result<HttpResponse, ApiError> {
    state.services.notes.delete(user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
