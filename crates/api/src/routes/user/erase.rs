use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::user_data::EraseAccount;

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Erases everything the user owns: every row of every tenant table, their jobs and their
/// stored files. The body is required: `{"confirmation": "DELETE MY DATA",
/// "acknowledgeIrreversible": true}`. Idempotent: erasing again answers 204 too (and
/// finishes a file removal that failed the first time).
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy"))),
    tag = "user", security(("bearer" = []), ("cookie" = [])),
    request_body = EraseAccount,
    responses((status = 204, description = "everything is erased"),
        (status = 400, body = omnicrm_problem::Problem),
        (status = 401, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[delete("/user")]
pub async fn erase_user_data(
    user: AuthUser,
    state: web::Data<ApiState>,
    _confirmed: ValidJson<EraseAccount>,
) -> Result<HttpResponse, ApiError> {
    state.services.user_data.erase(user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
