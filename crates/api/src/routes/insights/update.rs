use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::AiInsightId;
use omnicrm_domain::insights::{Insight, UpdateInsight};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Marks an insight viewed, dismissed or applied (`If-Match` with its `ETag` guards
/// against a concurrent change).
#[utoipa::path(tag = "insights", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "insight id")), request_body = UpdateInsight,
    responses((status = 200, body = Insight), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[patch("/data-intelligence/ai-insights/{id}")]
pub async fn update_insight(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<AiInsightId>,
    body: ValidJson<UpdateInsight>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .insights
            .update(user.id, id.0, body.0)
            .await?,
    ))
}
