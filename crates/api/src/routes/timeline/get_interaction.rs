use actix_web::{HttpResponse, get, web};
use omnicrm_domain::timeline::InteractionView;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One interaction, with its provider details.
#[utoipa::path(tag = "interactions", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "interaction id")),
    responses((status = 200, body = InteractionView), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/interactions/{id}")]
pub async fn get_interaction(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.timeline.interaction(user.id, id.0).await?))
}
