use actix_web::{HttpResponse, get, web};
use omnicrm_domain::user_data::ErasureReceiptView;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// The receipt of an erasure of the signed-in user (the `id` from `DELETE /user`'s
/// answer): what was removed and when. Receipts outlive the erased data; the user is
/// recognised by a keyed hash of their id, so only the same user finds theirs (404
/// otherwise).
#[utoipa::path(tag = "user", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "receipt id")),
    responses(
        (status = 200, body = ErasureReceiptView),
        (status = 401, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[get("/user/erasure-receipts/{id}")]
pub async fn user_erasure_receipt(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let receipt = state
        .services
        .user_data
        .erasure_receipt(user.claims.sub, id.0)
        .await?;
    Ok(HttpResponse::Ok().json(receipt))
}
