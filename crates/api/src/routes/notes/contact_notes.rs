use actix_web::{HttpResponse, get, web};
use omnicrm_domain::notes::ContactNotesQuery;
use omnicrm_domain::notes::Note;
use omnicrm_domain::{ContactId, Page};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidQuery};
use crate::{ApiError, ApiState};

/// A page of one contact's notes, newest first; 404 when the contact is not yours.
#[utoipa::path(tag = "notes", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"), ContactNotesQuery),
    responses((status = 200, body = Page<Note>), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/contacts/{id}/notes")]
pub async fn list_contact_notes(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    query: ValidQuery<ContactNotesQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .notes
            .list_for_contact(user.id, id.0, query.0)
            .await?,
    ))
}
