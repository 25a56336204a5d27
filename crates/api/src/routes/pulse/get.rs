use actix_web::{HttpResponse, get, web};
use omnicrm_domain::PulseLogId;
use omnicrm_domain::pulse::PulseLog;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One day's check-in.
#[utoipa::path(tag = "pulse", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "pulse entry id")),
    responses((status = 200, body = PulseLog), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/pulse/{id}")]
pub async fn get_pulse(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<PulseLogId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.pulse.get(user.id, id.0).await?))
}
