use actix_web::{HttpResponse, post, web};
use omnicrm_domain::notes::CreateNote;
use omnicrm_domain::notes::Note;

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Creates a note. Its plain text and rich document are PII-redacted before they are
/// stored. A `contactId`, `tagIds` entry or `goalIds` entry that is not yours is 400
/// `validation_failed` pointing at it; a `contentRich` over 200 KiB is 413.
#[utoipa::path(tag = "notes", security(("bearer" = []), ("cookie" = [])), request_body = CreateNote,
    responses((status = 201, body = Note), (status = 400, body = omnicrm_problem::Problem),
        (status = 413, body = omnicrm_problem::Problem)))]
#[post("/notes")]
pub async fn create_note(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<CreateNote>,
) -> Result<HttpResponse, ApiError> {
    let note = state.services.notes.create(user.id, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/notes/{}", note.id)))
        .json(note))
}
