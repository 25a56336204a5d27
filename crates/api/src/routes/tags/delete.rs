use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::TagId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Deletes one of the user's own tags and detaches it everywhere. System tags cannot be
/// deleted (409 `conflict`).
#[utoipa::path(tag = "tags", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "tag id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem),
        (status = 409, body = omnicrm_problem::Problem)))]
#[delete("/tags/{id}")]
pub async fn delete_tag(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<TagId>,
) -> Result<HttpResponse, ApiError> {
    state.services.tags.delete(user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
