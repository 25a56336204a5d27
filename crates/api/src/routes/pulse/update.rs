use actix_web::{HttpResponse, patch, web};
use omnicrm_domain::PulseLogId;
use omnicrm_domain::pulse::{PulseLog, UpdatePulseLog};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Edits that day's answers (absent = unchanged, `null` clears an optional answer).
/// Honours `If-Match`.
#[utoipa::path(tag = "pulse", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "pulse entry id")), request_body = UpdatePulseLog,
    responses((status = 200, body = PulseLog), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[patch("/omni-momentum/pulse/{id}")]
pub async fn update_pulse(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<PulseLogId>,
    body: ValidJson<UpdatePulseLog>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.pulse.update(user.id, id.0, body.0).await?))
}
