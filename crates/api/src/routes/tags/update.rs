use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::TagId;
use omnicrm_domain::tags::{Tag, UpdateTag};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Partial update. A system tag only takes a new colour: a different name or category is
/// 409 `conflict`. A name taken by another tag is 409 too.
#[utoipa::path(tag = "tags", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "tag id")), request_body = UpdateTag,
    responses((status = 200, body = Tag), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 409, body = omnicrm_problem::Problem)))]
#[patch("/tags/{id}")]
pub async fn update_tag(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<TagId>,
    body: ValidJson<UpdateTag>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tags.update(user.id, id.0, body.0).await?))
}
