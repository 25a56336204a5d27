use actix_web::{HttpResponse, get, web};
use omnicrm_domain::ai::ChatThread;
use omnicrm_domain::{Page, PageQuery};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of your assistant threads, most recently active first.
#[utoipa::path(tag = "chat", security(("bearer" = []), ("cookie" = [])), params(PageQuery),
    responses((status = 200, body = Page<ChatThread>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/chat/threads")]
pub async fn list_threads(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.chat.list_threads(user.id, query.0).await?))
}
