use actix_web::{HttpResponse, get, web};
use omnicrm_domain::search::{SearchQuery, SearchResponse};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// The caller's items matching `q`, best first. `traditional`: full text in the
/// practitioner's language (weighted: names and titles above bodies) and near misses of
/// contact names. `semantic`: nearest in meaning by the local embedding model (cosine of
/// the best chunk). `hybrid`: both rankings fused by reciprocal rank. Without an embedding
/// model, semantic and hybrid searches answer the lexical results with
/// `semantic: unavailable`.
#[utoipa::path(tag = "search", security(("bearer" = []), ("cookie" = [])), params(SearchQuery),
    responses((status = 200, body = SearchResponse), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/search")]
pub async fn search(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.search.search(user.id, query.0).await?))
}
