use actix_web::{HttpResponse, get, web};
use omnicrm_domain::tags::TagStats;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Every one of your tags with its exact use per entity type (counted from the tag
/// links), most used first.
#[utoipa::path(tag = "tags", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = TagStats)))]
#[get("/tags/stats")]
pub async fn tag_stats(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tags.stats(user.id).await?))
}
