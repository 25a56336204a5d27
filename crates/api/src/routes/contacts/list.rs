use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::contacts::{ContactListItem, ContactListQuery};

use super::absolute_photo_url;
use crate::auth::AuthUser;
use crate::extract::{ClientAccess, ValidQuery};
use crate::{ApiError, ApiState};

/// A page of contacts, each with a preview of its newest note (`lastNote`). `search`
/// matches name, email and phone (substring, phone digits, near misses of 4+ character
/// terms) and ranks by relevance unless another `sort` is given; filters combine with AND,
/// values of one array filter with OR.
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])), params(ContactListQuery),
    responses((status = 200, body = Page<ContactListItem>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/contacts")]
pub async fn list_contacts(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<ContactListQuery>,
    access: ClientAccess,
) -> Result<HttpResponse, ApiError> {
    let mut page = state
        .services
        .contacts
        .list(user.id, query.0, access.0)
        .await?;
    for item in &mut page.items {
        absolute_photo_url(&state, &mut item.contact);
    }
    Ok(HttpResponse::Ok().json(page))
}
