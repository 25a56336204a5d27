use actix_web::{HttpResponse, post, web};
use omnicrm_domain::documents::{CreateDocument, Document};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Stores a document (title required, text up to 100,000 characters), optionally about one
/// of the caller's contacts. It is found by `GET /search` at once (full text) and by
/// meaning once embedded (seconds later).
#[utoipa::path(tag = "documents", security(("bearer" = []), ("cookie" = [])),
    request_body = CreateDocument,
    responses((status = 201, body = Document), (status = 400, body = omnicrm_problem::Problem)))]
#[post("/data-intelligence/documents")]
pub async fn create_document(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<CreateDocument>,
) -> Result<HttpResponse, ApiError> {
    let document = state.services.documents.create(user.id, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/data-intelligence/documents/{}", document.id),
        ))
        .json(document))
}
