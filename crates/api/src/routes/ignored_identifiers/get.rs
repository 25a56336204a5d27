use actix_web::{HttpResponse, get, web};
use omnicrm_domain::entities::IgnoredIdentifier;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One ignored identifier.
#[utoipa::path(tag = "identities", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "ignored identifier id")),
    responses((status = 200, body = IgnoredIdentifier), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/data-intelligence/ignored-identifiers/{id}")]
pub async fn get_ignored(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.identities.get_ignored(user.id, id.0).await?))
}
