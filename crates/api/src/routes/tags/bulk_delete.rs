use actix_web::{HttpResponse, post, web};
use omnicrm_domain::tags::{BulkDeleteOutcome, BulkDeleteTags};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Deletes up to 100 of your own tags in one transaction. Ids that are not your tags are
/// reported as `not_found`, system tags as `conflict`; neither is deleted.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy"))),
    tag = "tags", security(("bearer" = []), ("cookie" = [])), request_body = BulkDeleteTags,
    responses((status = 200, body = BulkDeleteOutcome), (status = 400, body = omnicrm_problem::Problem),
        (status = 429, body = omnicrm_problem::Problem,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/tags/bulk-delete")]
pub async fn bulk_delete_tags(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<BulkDeleteTags>,
) -> Result<HttpResponse, ApiError> {
    let _permit = state.services.heavy.acquire(user.id).await?;
    Ok(HttpResponse::Ok().json(state.services.tags.bulk_delete(user.id, body.0).await?))
}
