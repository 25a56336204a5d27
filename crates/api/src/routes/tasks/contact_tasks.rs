use actix_web::{HttpResponse, get, web};
use omnicrm_domain::tasks::TaskView;
use omnicrm_domain::{ContactId, Page, PageQuery};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidQuery};
use crate::{ApiError, ApiState};

/// A page of the open tasks (`todo`, `in_progress`) linked to a contact, soonest due
/// first; 404 when the contact is not yours.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"), PageQuery),
    responses((status = 200, body = Page<TaskView>), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/contacts/{id}/tasks")]
pub async fn list_contact_tasks(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .tasks
            .contact_tasks(user.id, id.0, query.0)
            .await?,
    ))
}
