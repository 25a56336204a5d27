use actix_web::{HttpResponse, get, web};
use omnicrm_domain::search::{SearchQuery, SearchResponse};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// The caller's items matching `q`, best first: full text in the practitioner's language
/// (weighted: names and titles above bodies) and near misses of contact names. Semantic
/// and hybrid searches answer `semantic: unavailable` with the lexical results while no
/// embedder is configured.
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
