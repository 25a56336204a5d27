use actix_web::{HttpResponse, get, web};
use omnicrm_domain::contacts::SuggestionsQuery;

use super::SuggestionList;
use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// People from the caller's calendar events of the last 6 months who are not contacts
/// yet (nor ignored, nor system addresses), most shared events first.
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])), params(SuggestionsQuery),
    responses((status = 200, body = SuggestionList), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/contacts/suggestions")]
pub async fn list_suggestions(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<SuggestionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let items = state
        .services
        .contacts
        .suggestions(user.id, query.0)
        .await?;
    Ok(HttpResponse::Ok().json(SuggestionList { items }))
}
