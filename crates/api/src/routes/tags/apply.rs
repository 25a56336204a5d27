use actix_web::{HttpResponse, post, web};
use omnicrm_domain::tags::{AppliedTags, TagAssignment};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Attaches tags to a contact, task, note or goal (idempotent: tags already there are left
/// alone and not reported). 404 when the entity is not yours; 400 with a pointer to every
/// `tagIds` entry that is not one of your tags.
#[utoipa::path(tag = "tags", security(("bearer" = []), ("cookie" = [])), request_body = TagAssignment,
    responses((status = 200, body = AppliedTags), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[post("/tags/apply")]
pub async fn apply_tags(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<TagAssignment>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tags.apply(user.id, body.0).await?))
}
