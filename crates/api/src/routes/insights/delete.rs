use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::AiInsightId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Deletes an insight (unchanged inputs will not bring it back: a later run makes a new
/// one only when the inputs change).
#[utoipa::path(tag = "insights", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "insight id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/data-intelligence/ai-insights/{id}")]
pub async fn delete_insight(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<AiInsightId>,
) -> Result<HttpResponse, ApiError> {
    state.services.insights.delete(user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
