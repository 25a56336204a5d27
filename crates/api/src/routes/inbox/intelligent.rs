use actix_web::{HttpResponse, post, web};
use omnicrm_domain::inbox::{InboxProcessed, IntelligentCapture};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Captures a text and files its suggested tasks (one per line) as awaiting approval
/// (`GET /omni-momentum/tasks/pending-approval`) at once; the item is `processed`.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    request_body = IntelligentCapture,
    responses((status = 201, body = InboxProcessed), (status = 400, body = omnicrm_problem::Problem),
        (status = 413, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/inbox/intelligent")]
pub async fn intelligent_capture(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<IntelligentCapture>,
) -> Result<HttpResponse, ApiError> {
    let made = state
        .services
        .tasks
        .intelligent_capture(user.id, body.0)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/omni-momentum/inbox/{}", made.item.id),
        ))
        .json(made))
}
