use actix_web::{HttpResponse, post, web};
use omnicrm_domain::tags::{CreateTag, Tag};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Creates one of the user's own tags. 409 `conflict` when the name is taken (ignoring
/// case; system tag names count).
#[utoipa::path(tag = "tags", security(("bearer" = []), ("cookie" = [])), request_body = CreateTag,
    responses((status = 201, body = Tag), (status = 400, body = omnicrm_problem::Problem),
        (status = 409, body = omnicrm_problem::Problem)))]
#[post("/tags")]
pub async fn create_tag(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<CreateTag>,
) -> Result<HttpResponse, ApiError> {
    let tag = state.services.tags.create(user.id, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/tags/{}", tag.id)))
        .json(tag))
}
