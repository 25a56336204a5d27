use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::notes::Note;
use omnicrm_domain::notes::NoteListQuery;

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of notes: optionally one contact's, optionally those whose (redacted) text
/// contains `search`; sorted by `createdAt` or `updatedAt`, newest first by default.
#[utoipa::path(tag = "notes", security(("bearer" = []), ("cookie" = [])), params(NoteListQuery),
    responses((status = 200, body = Page<Note>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/notes")]
pub async fn list_notes(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<NoteListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.notes.list(user.id, query.0).await?))
}
