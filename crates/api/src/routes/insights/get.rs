use actix_web::{HttpResponse, get, web};
use omnicrm_domain::AiInsightId;
use omnicrm_domain::insights::Insight;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One insight (404 when it is not yours).
#[utoipa::path(tag = "insights", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "insight id")),
    responses((status = 200, body = Insight), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/data-intelligence/ai-insights/{id}")]
pub async fn get_insight(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<AiInsightId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.insights.get(user.id, id.0).await?))
}
