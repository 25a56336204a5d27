use actix_web::{HttpResponse, post, web};
use omnicrm_domain::pulse::{CreatePulseLog, PulseLog};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Records a day's check-in (today in your time zone when `logDate` is absent). Ratings
/// are 1..=5. 409 `conflict` when that day already has an entry: PATCH it instead.
#[utoipa::path(tag = "pulse", security(("bearer" = []), ("cookie" = [])), request_body = CreatePulseLog,
    responses((status = 201, body = PulseLog), (status = 400, body = omnicrm_problem::Problem),
        (status = 409, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/pulse")]
pub async fn create_pulse(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<CreatePulseLog>,
) -> Result<HttpResponse, ApiError> {
    let log = state.services.pulse.create(user.id, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/omni-momentum/pulse/{}", log.id),
        ))
        .json(log))
}
