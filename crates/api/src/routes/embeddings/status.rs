use actix_web::{HttpResponse, get, web};
use omnicrm_domain::embeddings::EmbeddingStatus;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// The caller's embeddings: the model (local or the provider's) and its dimension, and per
/// kind of item how many there are, how many carry vectors of that model and how many wait.
#[utoipa::path(tag = "search", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = EmbeddingStatus)))]
#[get("/data-intelligence/embeddings")]
pub async fn embedding_status(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.embeddings.status(user.id).await?))
}
