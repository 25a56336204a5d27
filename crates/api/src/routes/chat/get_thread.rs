use actix_web::{HttpResponse, get, web};
use omnicrm_domain::ThreadId;
use omnicrm_domain::ai::ThreadDetail;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// A thread with its newest 200 messages (oldest first) and the assistant's tool calls,
/// pending actions included.
#[utoipa::path(tag = "chat", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "thread id")),
    responses((status = 200, body = ThreadDetail), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/chat/threads/{id}")]
pub async fn get_thread(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ThreadId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.chat.get_thread(user.id, id.0).await?))
}
