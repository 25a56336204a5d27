use actix_web::{HttpResponse, post, web};
use omnicrm_domain::ai::{ChatThread, CreateThread};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Starts an assistant thread (untitled without a title).
#[utoipa::path(tag = "chat", security(("bearer" = []), ("cookie" = [])), request_body = CreateThread,
    responses((status = 201, body = ChatThread), (status = 400, body = omnicrm_problem::Problem)))]
#[post("/chat/threads")]
pub async fn create_thread(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<CreateThread>,
) -> Result<HttpResponse, ApiError> {
    let thread = state.services.chat.create_thread(user.id, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/chat/threads/{}", thread.id)))
        .json(thread))
}
