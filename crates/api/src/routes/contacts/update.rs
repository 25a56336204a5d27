use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::ContactId;
use omnicrm_domain::contacts::{Contact, UpdateContact};

use super::absolute_photo_url;
use crate::auth::AuthUser;
use crate::extract::{ClientAccess, IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Partial update: absent fields stay, `null` clears.
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id")), request_body = UpdateContact,
    responses((status = 200, body = Contact), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[patch("/contacts/{id}")]
pub async fn update_contact(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    body: ValidJson<UpdateContact>,
    access: ClientAccess,
) -> Result<HttpResponse, ApiError> {
    let mut contact = state
        .services
        .contacts
        .update(user.id, id.0, body.0, access.0)
        .await?;
    absolute_photo_url(&state, &mut contact);
    Ok(HttpResponse::Ok().json(contact))
}
