use actix_web::{HttpResponse, post, web};
use omnicrm_domain::inbox::{InboxProcessed, ProcessInbox};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Turns an unprocessed item into tasks (`todo`): the `tasks` you send, or without them
/// the suggestion. The item becomes `processed`. 404 when the item is not yours; 409 when
/// it is not unprocessed; a project that is not yours or an unknown zone is 400 pointing at
/// it.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    request_body = ProcessInbox,
    responses((status = 200, body = InboxProcessed), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 409, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/inbox/process")]
pub async fn process_inbox(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<ProcessInbox>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tasks.process_inbox(user.id, body.0).await?))
}
