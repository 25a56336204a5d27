use actix_web::{HttpResponse, get, web};
use omnicrm_domain::contacts::ContactSuggestion;
use omnicrm_domain::{Page, PageQuery};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// People from the caller's calendar events and emails of the last 6 months who are not
/// contacts yet (nor ignored, nor the caller's own or system addresses), most shared events
/// and emails first, as an offset list.
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])), params(PageQuery),
    responses((status = 200, body = Page<ContactSuggestion>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/contacts/suggestions")]
pub async fn list_suggestions(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .services
        .contacts
        .suggestions(user.id, query.0)
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
