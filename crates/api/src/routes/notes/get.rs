use actix_web::{HttpResponse, get, web};
use omnicrm_domain::NoteId;
use omnicrm_domain::notes::Note;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One note with its tags and goal ids.
#[utoipa::path(tag = "notes", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "note id")),
    responses((status = 200, body = Note), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/notes/{id}")]
pub async fn get_note(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<NoteId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.notes.get(user.id, id.0).await?))
}
