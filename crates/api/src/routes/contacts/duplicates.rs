use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::contacts::{DuplicateListQuery, DuplicatePair};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of possible duplicates, newest mark first: each pair is a contact an onboarding
/// submission created and an existing contact with the same email or phone. Merge them
/// (`POST /contacts/{id}/merge`) or dismiss the mark
/// (`DELETE /contacts/{id}/duplicates/{otherId}`).
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])),
    params(DuplicateListQuery),
    responses((status = 200, body = Page<DuplicatePair>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/contacts/duplicates")]
pub async fn list_duplicates(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<DuplicateListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .contacts
            .list_duplicates(user.id, query.0)
            .await?,
    ))
}
