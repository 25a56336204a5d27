use actix_web::{HttpResponse, get, web};
use omnicrm_domain::tags::{EntityTagsQuery, Tag};
use omnicrm_domain::{ContactId, Page};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidQuery};
use crate::{ApiError, ApiState};

/// A page of a contact's tags, by name.
#[utoipa::path(tag = "tags", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"), EntityTagsQuery),
    responses((status = 200, body = Page<Tag>), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/contacts/{id}/tags")]
pub async fn list_contact_tags(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    query: ValidQuery<EntityTagsQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .tags
            .contact_tags(user.id, id.0, query.0)
            .await?,
    ))
}
