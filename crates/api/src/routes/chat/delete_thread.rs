use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::ThreadId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Deletes a thread with its messages, tool calls and pending actions.
#[utoipa::path(tag = "chat", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "thread id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/chat/threads/{id}")]
pub async fn delete_thread(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ThreadId>,
) -> Result<HttpResponse, ApiError> {
    state.services.chat.delete_thread(user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
