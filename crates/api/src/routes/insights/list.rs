use actix_web::{HttpResponse, get, web};
use omnicrm_domain::insights::{InsightListQuery, InsightPage};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of the caller's insights, newest first: filtered by kinds, statuses and the
/// contact they are about; follow `nextCursor`.
#[utoipa::path(tag = "insights", security(("bearer" = []), ("cookie" = [])), params(InsightListQuery),
    responses((status = 200, body = InsightPage), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/data-intelligence/ai-insights")]
pub async fn list_insights(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<InsightListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.insights.list(user.id, query.0).await?))
}
