use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::InboxItemId;
use omnicrm_domain::inbox::{InboxItemView, UpdateInboxItem};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Changes an item's text or status (`processedAt` follows the status). Honours
/// `If-Match`.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "inbox item id")), request_body = UpdateInboxItem,
    responses((status = 200, body = InboxItemView), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[patch("/omni-momentum/inbox/{id}")]
pub async fn update_inbox_item(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<InboxItemId>,
    body: ValidJson<UpdateInboxItem>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .tasks
            .update_inbox_item(user.id, id.0, body.0)
            .await?,
    ))
}
