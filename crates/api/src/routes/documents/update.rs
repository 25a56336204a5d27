use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::documents::{Document, UpdateDocument};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Changes a document (absent = unchanged, `null` clears; `If-Match` with its `ETag`
/// refuses a stale write). A changed title or text is re-embedded.
#[utoipa::path(tag = "documents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "document id")),
    request_body = UpdateDocument,
    responses((status = 200, body = Document), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[patch("/data-intelligence/documents/{id}")]
pub async fn update_document(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
    body: ValidJson<UpdateDocument>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .documents
            .update(user.id, id.0, body.0)
            .await?,
    ))
}
