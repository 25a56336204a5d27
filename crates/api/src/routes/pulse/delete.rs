use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::PulseLogId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// Deletes a day's check-in.
#[utoipa::path(tag = "pulse", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "pulse entry id")),
    responses((status = 204), (status = 404, body = omnicrm_problem::Problem)))]
#[delete("/omni-momentum/pulse/{id}")]
pub async fn delete_pulse(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<PulseLogId>,
) -> Result<HttpResponse, ApiError> {
    state.services.pulse.delete(user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
