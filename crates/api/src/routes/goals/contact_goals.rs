use actix_web::{HttpResponse, get, web};
use omnicrm_domain::goals::Goal;
use omnicrm_domain::{ContactId, Page, PageQuery};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidQuery};
use crate::{ApiError, ApiState};

/// A page of a contact's (client's) goals, newest first; 404 when the contact is not
/// yours.
#[utoipa::path(tag = "goals", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"), PageQuery),
    responses((status = 200, body = Page<Goal>), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/contacts/{id}/goals")]
pub async fn list_contact_goals(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .goals
            .contact_goals(user.id, id.0, query.0)
            .await?,
    ))
}
