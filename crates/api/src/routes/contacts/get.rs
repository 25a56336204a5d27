use actix_web::{HttpResponse, get, web};
use omnicrm_domain::ContactId;
use omnicrm_domain::contacts::ContactDetail;

use super::absolute_photo_url;
use crate::auth::AuthUser;
use crate::extract::{ClientAccess, IdPath};
use crate::{ApiError, ApiState};

/// One contact with its 5 newest notes (previews), tags, identities and the current state
/// of each consent type.
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id")),
    responses((status = 200, body = ContactDetail), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/contacts/{id}")]
pub async fn get_contact(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    access: ClientAccess,
) -> Result<HttpResponse, ApiError> {
    let mut detail = state.services.contacts.get(user.id, id.0, access.0).await?;
    absolute_photo_url(&state, &mut detail.contact);
    Ok(HttpResponse::Ok().json(detail))
}
