use actix_web::{HttpResponse, delete, web};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Deletes a document; its vectors go with it, so search forgets it at once.
#[utoipa::path(tag = "documents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "document id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/data-intelligence/documents/{id}")]
pub async fn delete_document(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state.services.documents.delete(user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
