use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::timeline::{InteractionView, UpdateInteraction};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Links the interaction to a contact (`{"contactId": id}`) or unlinks it (`null`) by
/// hand; normalisation never changes a hand-made link.
#[utoipa::path(tag = "interactions", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "interaction id")),
    request_body = UpdateInteraction,
    responses((status = 200, body = InteractionView), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[patch("/interactions/{id}")]
pub async fn update_interaction(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<Uuid>,
    body: ValidJson<UpdateInteraction>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .timeline
            .update_interaction(user.id, id.0, body.0)
            .await?,
    ))
}
