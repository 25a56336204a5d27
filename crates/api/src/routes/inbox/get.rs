use actix_web::{HttpResponse, get, web};
use omnicrm_domain::InboxItemId;
use omnicrm_domain::inbox::InboxItemView;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One inbox item with its suggestion.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "inbox item id")),
    responses((status = 200, body = InboxItemView), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/inbox/{id}")]
pub async fn get_inbox_item(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<InboxItemId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.tasks.get_inbox_item(user.id, id.0).await?))
}
