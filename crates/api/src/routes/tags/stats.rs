use actix_web::{HttpResponse, get, web};
use omnicrm_domain::tags::TagUsage;
use omnicrm_domain::{Page, PageQuery};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// Every one of your tags with its exact use per entity type (counted from the tag
/// links), most used first, as an offset list.
#[utoipa::path(tag = "tags", security(("bearer" = []), ("cookie" = [])), params(PageQuery),
    responses((status = 200, body = Page<TagUsage>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/tags/stats")]
pub async fn tag_stats(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tags.stats(user.id, query.0).await?))
}
