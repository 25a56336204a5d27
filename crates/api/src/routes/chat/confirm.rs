use actix_web::{HttpRequest, HttpResponse, post, web};
use omnicrm_domain::ai::ConfirmedAction;
use omnicrm_domain::{ThreadId, ToolInvocationId};
use omnicrm_problem::AppError;

use crate::auth::AuthUser;
use crate::extract::{ActionBody, EmptyBody, IdPath};
use crate::{ApiError, ApiState};

/// Confirms an action the assistant proposed (a task, a note, a habit completion): it runs
/// now, as you, and its outcome is recorded in the thread. A failure (say, the contact
/// was deleted meanwhile) is answered with `status: failed` and the reason. 404 when the
/// thread has no such pending action (unknown, or already confirmed). The body may be
/// empty or `{}`.
#[utoipa::path(
    extensions(("x-body-limit" = json!(crate::http::limits::body_limit::ACTION))),
    tag = "chat", security(("bearer" = []), ("cookie" = [])),
    request_body(content = Option<EmptyBody>, content_type = "application/json"),
    params(("id" = uuid::Uuid, Path, description = "thread id"),
        ("actionId" = uuid::Uuid, Path, description = "the pending action")),
    responses((status = 200, body = ConfirmedAction), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/chat/threads/{id}/actions/{actionId}/confirm")]
pub async fn confirm_action(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ThreadId>,
    _body: ActionBody,
) -> Result<HttpResponse, ApiError> {
    let action = req
        .match_info()
        .get("actionId")
        .and_then(|raw| raw.parse::<ToolInvocationId>().ok())
        .ok_or_else(AppError::not_found)?;
    Ok(HttpResponse::Ok().json(
        state
            .services
            .chat
            .confirm_action(user.id, id.0, action)
            .await?,
    ))
}
