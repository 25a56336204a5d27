use actix_web::{HttpResponse, get, web};
use omnicrm_domain::entities::ContactIdentity;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One contact identity.
#[utoipa::path(tag = "identities", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "identity id")),
    responses((status = 200, body = ContactIdentity), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/data-intelligence/contact-identities/{id}")]
pub async fn get_identity(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .identities
            .get_identity(user.id, id.0)
            .await?,
    ))
}
