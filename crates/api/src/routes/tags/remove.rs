use actix_web::{HttpResponse, post, web};
use omnicrm_domain::tags::{RemovedTags, TagAssignment};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Detaches tags from a contact, task, note or goal (tags that were not attached are
/// ignored). The original's `DELETE /tags/remove` with a body. Same 404/400 rules as apply.
#[utoipa::path(tag = "tags", security(("bearer" = []), ("cookie" = [])), request_body = TagAssignment,
    responses((status = 200, body = RemovedTags), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[post("/tags/remove")]
pub async fn remove_tags(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<TagAssignment>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tags.remove(user.id, body.0).await?))
}
