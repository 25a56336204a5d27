use actix_web::{HttpResponse, get, web};
use omnicrm_domain::timeline::{InteractionListQuery, InteractionPage};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// The user's interactions (emails and meetings from Google, manual entries), newest
/// first, filtered by contact, kind, provider, time range (`from` inclusive, `to`
/// exclusive) and a substring of subject or body (cursor pagination).
#[utoipa::path(tag = "interactions", security(("bearer" = []), ("cookie" = [])),
    params(InteractionListQuery),
    responses((status = 200, body = InteractionPage), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/interactions")]
pub async fn list_interactions(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<InteractionListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .timeline
            .interactions(user.id, query.0)
            .await?,
    ))
}
