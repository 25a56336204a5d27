use actix_web::{HttpResponse, get, web};
use omnicrm_domain::documents::Document;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One document.
#[utoipa::path(tag = "documents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "document id")),
    responses((status = 200, body = Document), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/data-intelligence/documents/{id}")]
pub async fn get_document(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.documents.get(user.id, id.0).await?))
}
