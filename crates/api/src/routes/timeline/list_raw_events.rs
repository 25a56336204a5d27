use actix_web::{HttpResponse, get, web};
use omnicrm_domain::timeline::{RawEventListQuery, RawEventPage};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// The user's raw provider events (what the Google sync stored) and what normalisation
/// made of them, newest stored first, without payloads (cursor pagination). Repeat
/// `provider`, `processingStatus` or `contactExtractionStatus` for several values.
#[utoipa::path(tag = "data-intelligence", security(("bearer" = []), ("cookie" = [])),
    params(RawEventListQuery),
    responses((status = 200, body = RawEventPage), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/data-intelligence/raw-events")]
pub async fn list_raw_events(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<RawEventListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.timeline.raw_events(user.id, query.0).await?))
}
