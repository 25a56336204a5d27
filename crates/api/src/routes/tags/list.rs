use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::tags::{Tag, TagListQuery};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of the user's tags: search by name, filter by category and system flag, sort.
/// The first call gives the user the system tags (copied from the templates).
#[utoipa::path(tag = "tags", security(("bearer" = []), ("cookie" = [])), params(TagListQuery),
    responses((status = 200, body = Page<Tag>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/tags")]
pub async fn list_tags(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<TagListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tags.list(user.id, query.0).await?))
}
