use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::ThreadId;
use omnicrm_domain::ai::{ChatThread, RenameThread};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Renames a thread.
#[utoipa::path(tag = "chat", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "thread id")), request_body = RenameThread,
    responses((status = 200, body = ChatThread), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[patch("/chat/threads/{id}")]
pub async fn rename_thread(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ThreadId>,
    body: ValidJson<RenameThread>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .chat
            .rename_thread(user.id, id.0, body.0)
            .await?,
    ))
}
