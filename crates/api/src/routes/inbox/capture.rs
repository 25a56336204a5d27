use actix_web::{HttpResponse, post, web};
use omnicrm_domain::inbox::{CaptureInbox, InboxItemView};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Quick capture: stores the text with what the rules suggest (tasks, due dates from
/// phrases such as "tomorrow" in your time zone, priority, zone). With `"queue": true` a
/// background job later files the suggested tasks as awaiting approval.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    request_body = CaptureInbox,
    responses((status = 201, body = InboxItemView), (status = 400, body = omnicrm_problem::Problem),
        (status = 413, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/inbox")]
pub async fn capture_inbox(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<CaptureInbox>,
) -> Result<HttpResponse, ApiError> {
    let item = state.services.tasks.capture_inbox(user.id, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/omni-momentum/inbox/{}", item.id),
        ))
        .json(item))
}
