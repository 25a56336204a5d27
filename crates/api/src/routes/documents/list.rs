use actix_web::{HttpResponse, get, web};
use omnicrm_domain::documents::{DocumentListQuery, DocumentPage};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A cursor page of the caller's documents, newest first, filtered by contact, media
/// types and a substring of title or text.
#[utoipa::path(tag = "documents", security(("bearer" = []), ("cookie" = [])), params(DocumentListQuery),
    responses((status = 200, body = DocumentPage), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/data-intelligence/documents")]
pub async fn list_documents(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<DocumentListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.documents.list(user.id, query.0).await?))
}
