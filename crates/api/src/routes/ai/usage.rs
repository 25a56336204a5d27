use actix_web::{HttpResponse, get, web};
use omnicrm_domain::ai::AiUsageSummary;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// This month's AI usage (model calls, tokens, cost) and the limits: monthly credits and
/// what is left of them, requests per minute, and the daily cost cap with today's cost.
/// Answers whether a provider is configured, too (never 503).
#[utoipa::path(tag = "ai", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = AiUsageSummary)))]
#[get("/ai/usage")]
pub async fn ai_usage(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.ai.usage(user.id).await?))
}
