use actix_web::{HttpResponse, get, web};
use omnicrm_domain::Page;
use omnicrm_domain::pulse::{PulseListQuery, PulseLog};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of your daily pulse entries, newest day first, optionally between two days.
#[utoipa::path(tag = "pulse", security(("bearer" = []), ("cookie" = [])), params(PulseListQuery),
    responses((status = 200, body = Page<PulseLog>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/pulse")]
pub async fn list_pulse(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<PulseListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.pulse.list(user.id, query.0).await?))
}
