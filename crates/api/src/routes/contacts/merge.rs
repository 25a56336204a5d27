use actix_web::{HttpResponse, post, web};
use omnicrm_domain::ContactId;
use omnicrm_domain::contacts::{Contact, MergeContacts};

use super::absolute_photo_url;
use crate::auth::AuthUser;
use crate::extract::{ClientAccess, IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Merges `duplicateId` into this contact in one transaction: every note, file (and the
/// photo), consent, identity, tag, interaction, goal, document, history entry and
/// possible-duplicate mark of the duplicate moves here; this contact's empty fields are
/// filled from the duplicate (set ones change only where `prefer` names the duplicate);
/// the merge is recorded in this contact's history; the duplicate is deleted. Answers the
/// merged contact. Both contacts must be the caller's (404); merging a contact into
/// itself is 400.
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "the surviving contact's id")),
    request_body = MergeContacts,
    responses((status = 200, body = Contact), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 503, body = omnicrm_problem::Problem)))]
#[post("/contacts/{id}/merge")]
pub async fn merge_contacts(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    body: ValidJson<MergeContacts>,
    access: ClientAccess,
) -> Result<HttpResponse, ApiError> {
    let mut merged = state
        .services
        .contacts
        .merge(user.id, id.0, body.0, access.0)
        .await?;
    absolute_photo_url(&state, &mut merged);
    Ok(HttpResponse::Ok().json(merged))
}
