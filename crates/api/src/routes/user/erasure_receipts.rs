use actix_web::{HttpResponse, get, web};
use omnicrm_domain::user_data::ErasureReceiptList;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Every erasure receipt of the signed-in account, newest first (at most 100): the way
/// back to a receipt whose answer was lost, and to a batched erasure's receipt while its
/// job runs. Recognised by the keyed hash of the account id, like one receipt.
#[utoipa::path(tag = "user", security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = ErasureReceiptList),
        (status = 401, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[get("/user/erasure-receipts")]
pub async fn user_erasure_receipts(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let items = state
        .services
        .user_data
        .erasure_receipts(user.claims.sub)
        .await?;
    Ok(HttpResponse::Ok().json(ErasureReceiptList { items }))
}
