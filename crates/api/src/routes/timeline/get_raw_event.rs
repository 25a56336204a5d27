use actix_web::{HttpResponse, get, web};
use omnicrm_domain::timeline::RawEventView;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One raw event with its payload as the provider returned it.
#[utoipa::path(tag = "data-intelligence", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "raw event id")),
    responses((status = 200, body = RawEventView), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/data-intelligence/raw-events/{id}")]
pub async fn get_raw_event(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.timeline.raw_event(user.id, id.0).await?))
}
