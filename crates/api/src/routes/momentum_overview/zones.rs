use actix_web::{HttpResponse, get, web};
use omnicrm_domain::tasks::{ZoneList, ZonesQuery};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// Every zone (shared reference data), by name. With `withStats=true` each carries your
/// figures in it: active and completed projects and tasks, all items, last activity.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])), params(ZonesQuery),
    responses((status = 200, body = ZoneList), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/zones")]
pub async fn list_zones(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<ZonesQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tasks.zones(user.id, query.0).await?))
}
