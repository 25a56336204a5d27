use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::contacts::{Contact, ContactListQuery};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of contacts: search over name, email and phone, filters, sort.
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])), params(ContactListQuery),
    responses((status = 200, body = Page<Contact>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/contacts")]
pub async fn list_contacts(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<ContactListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.contacts.list(user.id, query.0).await?))
}
