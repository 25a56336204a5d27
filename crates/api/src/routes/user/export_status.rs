use actix_web::{HttpResponse, get, web};
use omnicrm_domain::user_data::ExportJobView;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One asynchronous export: `pending`, `ready` (with a signed `downloadUrl` valid for 15
/// minutes; ask again for a fresh one) or `failed`. Another user's export is 404.
#[utoipa::path(tag = "user", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "export id")),
    responses(
        (status = 200, body = ExportJobView),
        (status = 401, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[get("/user/export/{id}")]
pub async fn user_export_status(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .services
        .user_data
        .export_status(user.id, id.0)
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
