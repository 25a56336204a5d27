use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::user_data::{EraseAccount, ErasureReceiptView};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Erases everything the user owns: every row of every tenant table, their jobs, their
/// stored files and whatever the registered erasure steps remove (external grants,
/// caches), and answers the erasure receipt (also `GET /user/erasure-receipts/{id}`
/// afterwards). The body is required: `{"confirmation": "DELETE MY DATA",
/// "acknowledgeIrreversible": true}`. Idempotent: erasing again answers 200 too, with a new
/// receipt (and finishes a file removal that failed the first time).
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy"))),
    tag = "user", security(("bearer" = []), ("cookie" = [])),
    request_body = EraseAccount,
    responses((status = 200, body = ErasureReceiptView, description = "everything is erased; the receipt"),
        (status = 400, body = omnicrm_problem::Problem),
        (status = 401, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[delete("/user")]
pub async fn erase_user_data(
    user: AuthUser,
    state: web::Data<ApiState>,
    _confirmed: ValidJson<EraseAccount>,
) -> Result<HttpResponse, ApiError> {
    let receipt = state.services.user_data.erase(user.id).await?;
    Ok(HttpResponse::Ok().json(receipt))
}
