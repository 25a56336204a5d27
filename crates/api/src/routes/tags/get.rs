use actix_web::{HttpResponse, get, web};
use omnicrm_domain::TagId;
use omnicrm_domain::tags::Tag;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One tag.
#[utoipa::path(tag = "tags", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "tag id")),
    responses((status = 200, body = Tag), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/tags/{id}")]
pub async fn get_tag(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<TagId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tags.get(user.id, id.0).await?))
}
