use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::entities::IgnoredIdentifier;
use omnicrm_domain::identities::IgnoredIdentifierQuery;

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of the caller's ignored identifiers, by creation time.
#[utoipa::path(tag = "identities", security(("bearer" = []), ("cookie" = [])), params(IgnoredIdentifierQuery),
    responses((status = 200, body = Page<IgnoredIdentifier>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/data-intelligence/ignored-identifiers")]
pub async fn list_ignored(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<IgnoredIdentifierQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .identities
            .list_ignored(user.id, query.0)
            .await?,
    ))
}
