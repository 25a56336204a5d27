use actix_web::{HttpResponse, post, web};
use omnicrm_domain::onboarding::TrackAccess;

use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Public: records that a link's page was opened (`page_view`) or its form started
/// (`form_start`) in the link's counters. An unusable link is 404. Rate limited per
/// client address.
#[utoipa::path(
    extensions(("x-body-limit" = json!(crate::http::limits::body_limit::PUBLIC_FORM))),
    tag = "onboarding-public", request_body = TrackAccess,
    responses((status = 204), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 429, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/onboarding/public/track-access")]
pub async fn track_onboarding_access(
    state: web::Data<ApiState>,
    body: ValidJson<TrackAccess>,
) -> Result<HttpResponse, ApiError> {
    state
        .services
        .onboarding
        .track_access(&body.0.token, body.0.action)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
