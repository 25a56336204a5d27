use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::InboxItemId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Deletes an inbox item (tasks made from it stay; a voice capture's recording goes).
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "inbox item id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/omni-momentum/inbox/{id}")]
pub async fn delete_inbox_item(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<InboxItemId>,
) -> Result<HttpResponse, ApiError> {
    let unreferenced = state
        .services
        .tasks
        .delete_inbox_item(user.id, id.0)
        .await?;
    state
        .services
        .files
        .remove_unreferenced(user.id, unreferenced)
        .await;
    Ok(HttpResponse::NoContent().finish())
}
