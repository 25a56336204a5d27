use actix_web::{HttpResponse, get, web};
use omnicrm_domain::ContactId;
use omnicrm_domain::timeline::{TimelinePage, TimelineQuery};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidQuery};
use crate::{ApiError, ApiState};

/// The contact's emails and meetings (normalised from Google) and notes, merged newest
/// first (cursor pagination).
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"), TimelineQuery),
    responses((status = 200, body = TimelinePage), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/contacts/{id}/timeline")]
pub async fn contact_timeline(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    query: ValidQuery<TimelineQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .timeline
            .contact_timeline(user.id, id.0, query.0)
            .await?,
    ))
}
