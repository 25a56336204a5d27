use actix_web::{HttpResponse, post, web};
use omnicrm_domain::user_data::ExportJobView;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Starts an asynchronous export (the same archive as `GET /user/export`, written by a
/// background job). Answers 202 with the export and `Location: /api/v1/user/export/{id}`;
/// poll that until `status` is `ready`, then download from its `downloadUrl`.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy"))),
    tag = "user", security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 202, body = ExportJobView,
            headers(("Location" = String, description = "/api/v1/user/export/{id}"))),
        (status = 401, body = omnicrm_problem::Problem),
        (status = 403, body = omnicrm_problem::Problem),
        (status = 429, body = omnicrm_problem::Problem,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/user/export")]
pub async fn request_user_export(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let _permit = state.services.heavy.acquire(user.id).await?;
    let view = state
        .services
        .user_data
        .request_export(user.id, user.claims.session_id.clone())
        .await?;
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", format!("/api/v1/user/export/{}", view.id)))
        .json(view))
}
