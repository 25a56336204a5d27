use actix_web::{HttpResponse, get, web};
use omnicrm_domain::contacts::ContactListQuery;

use super::CountResponse;
use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// How many contacts match the same filters as the list.
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])), params(ContactListQuery),
    responses((status = 200, body = CountResponse)))]
#[get("/contacts/count")]
pub async fn count_contacts(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<ContactListQuery>,
) -> Result<HttpResponse, ApiError> {
    let count = state.services.contacts.count(user.id, query.0).await?;
    Ok(HttpResponse::Ok().json(CountResponse { count }))
}
