use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::inbox::{InboxItemView, InboxListQuery};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of your inbox, newest first. Filters combine: any of `status` (repeat the key),
/// a substring of the text (`search`), a creation range (`createdAfter` inclusive,
/// `createdBefore` exclusive).
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])), params(InboxListQuery),
    responses((status = 200, body = Page<InboxItemView>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/inbox")]
pub async fn list_inbox(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<InboxListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tasks.list_inbox(user.id, query.0).await?))
}
