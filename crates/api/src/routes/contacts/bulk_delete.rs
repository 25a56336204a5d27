use actix_web::{HttpResponse, post, web};
use omnicrm_domain::contacts::{BulkDeleteContacts, BulkDeleteResult};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Deletes up to 100 contacts at once, all or nothing. Ids that are not the caller's are
/// reported as `not_found` in `errors` and never deleted; a repeated id counts once.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy"))),
    tag = "contacts", security(("bearer" = []), ("cookie" = [])),
    request_body = BulkDeleteContacts,
    responses((status = 200, body = BulkDeleteResult), (status = 400, body = omnicrm_problem::Problem),
        (status = 429, body = omnicrm_problem::Problem,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/contacts/bulk-delete")]
pub async fn bulk_delete_contacts(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<BulkDeleteContacts>,
) -> Result<HttpResponse, ApiError> {
    let _permit = state.services.heavy.acquire(user.id).await?;
    Ok(HttpResponse::Ok().json(state.services.contacts.bulk_delete(user.id, body.0).await?))
}
