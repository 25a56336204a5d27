use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::entities::ContactIdentity;
use omnicrm_domain::identities::ContactIdentityQuery;

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of the caller's contact identities, newest first.
#[utoipa::path(tag = "identities", security(("bearer" = []), ("cookie" = [])), params(ContactIdentityQuery),
    responses((status = 200, body = Page<ContactIdentity>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/data-intelligence/contact-identities")]
pub async fn list_identities(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<ContactIdentityQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .identities
            .list_identities(user.id, query.0)
            .await?,
    ))
}
