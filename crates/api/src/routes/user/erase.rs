use actix_web::http::header;
use actix_web::{HttpResponse, delete, web};
use omnicrm_domain::user_data::{EraseAccount, ErasureReceiptView};
use omnicrm_services::user_data::ErasureOutcome;

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Erases everything the user owns: every row of every tenant table, their jobs and
/// schedules, their stored files and whatever the registered erasure steps remove
/// (external grants, caches), and answers the erasure receipt (also
/// `GET /user/erasure-receipts/{id}` afterwards). The body is required:
/// `{"confirmation": "DELETE MY DATA", "acknowledgeIrreversible": true}`.
///
/// An account of up to 20,000 rows is erased within the request: `200` with the complete
/// receipt. A larger one is **invisible at once and gone within minutes**: the account
/// is switched to a fresh, empty tenant in one transaction (every later request of the
/// user reads and writes as for a new account), and the job `jobId` deletes the old rows
/// in batches: `202` with the receipt (`completedAt` `null` until the job is done) and
/// `Location` of the receipt. Idempotent: erasing again answers a new receipt.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy"))),
    tag = "user", security(("bearer" = []), ("cookie" = [])),
    request_body = EraseAccount,
    responses((status = 200, body = ErasureReceiptView, description = "everything is erased; the receipt"),
        (status = 202, body = ErasureReceiptView, description = "the account is hidden (empty from now on) and the job `jobId` deletes its rows within minutes; `completedAt` is set when it is done",
            headers(("Location" = String, description = "the receipt: `/api/v1/user/erasure-receipts/{id}`"))),
        (status = 400, body = omnicrm_problem::Problem),
        (status = 401, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[delete("/user")]
pub async fn erase_user_data(
    user: AuthUser,
    state: web::Data<ApiState>,
    _confirmed: ValidJson<EraseAccount>,
) -> Result<HttpResponse, ApiError> {
    match state
        .services
        .user_data
        .erase(user.claims.sub, user.id)
        .await?
    {
        ErasureOutcome::Erased(receipt) => Ok(HttpResponse::Ok().json(receipt)),
        ErasureOutcome::Hidden(receipt) => Ok(HttpResponse::Accepted()
            .insert_header((
                header::LOCATION,
                format!("/api/v1/user/erasure-receipts/{}", receipt.id),
            ))
            .json(receipt)),
    }
}
