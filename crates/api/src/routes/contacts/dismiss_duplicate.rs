use actix_web::{HttpRequest, HttpResponse, delete, web};
use omnicrm_domain::ContactId;
use omnicrm_problem::AppError;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// "Not a duplicate": removes the possible-duplicate mark between the two contacts,
/// whichever of them the mark was made on. Neither contact changes.
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"),
        ("otherId" = uuid::Uuid, Path, description = "the other contact's id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/contacts/{id}/duplicates/{otherId}")]
pub async fn dismiss_duplicate(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
) -> Result<HttpResponse, ApiError> {
    let other = req
        .match_info()
        .get("otherId")
        .and_then(|raw| Uuid::parse_str(raw).ok())
        .ok_or_else(AppError::not_found)?;
    state
        .services
        .contacts
        .dismiss_duplicate(user.id, id.0, other.into())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
