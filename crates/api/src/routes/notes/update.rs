use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::NoteId;
use omnicrm_domain::notes::Note;
use omnicrm_domain::notes::UpdateNote;

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Partial update: absent fields stay; `tagIds` / `goalIds` replace the whole set; new
/// text is PII-redacted like on create.
#[utoipa::path(tag = "notes", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "note id")), request_body = UpdateNote,
    responses((status = 200, body = Note), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 413, body = omnicrm_problem::Problem)))]
#[patch("/notes/{id}")]
pub async fn update_note(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<NoteId>,
    body: ValidJson<UpdateNote>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.notes.update(user.id, id.0, body.0).await?))
}
