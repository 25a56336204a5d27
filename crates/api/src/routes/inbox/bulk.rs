use actix_web::{HttpResponse, post, web};
use omnicrm_domain::inbox::{BulkInboxRequest, BulkInboxResults};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Archives, deletes or processes (the suggestion, as `todo` tasks) up to 50 items in one
/// transaction. One result per distinct id, in request order: an id that is not yours is
/// `not_found` and `process` of an item that is not unprocessed is `skipped`; either
/// leaves the others done.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy"))),
    tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    request_body = BulkInboxRequest,
    responses((status = 200, body = BulkInboxResults), (status = 400, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/inbox/bulk")]
pub async fn bulk_inbox(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<BulkInboxRequest>,
) -> Result<HttpResponse, ApiError> {
    let (results, unreferenced) = state.services.tasks.bulk_inbox(user.id, body.0).await?;
    state
        .services
        .files
        .remove_unreferenced(user.id, unreferenced)
        .await;
    Ok(HttpResponse::Ok().json(results))
}
