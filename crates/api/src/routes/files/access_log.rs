use actix_web::{HttpResponse, get, web};
use omnicrm_domain::ContactId;
use omnicrm_domain::files::{PhotoAccessLog, PhotoAccessLogQuery};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidQuery};
use crate::{ApiError, ApiState};

/// Who was handed a URL of the contact's photos, newest first (cursor pagination). The log
/// outlives the contact.
#[utoipa::path(tag = "files", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"), PhotoAccessLogQuery),
    responses((status = 200, body = PhotoAccessLog), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/contacts/{id}/photo-access-log")]
pub async fn photo_access_log(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    query: ValidQuery<PhotoAccessLogQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .files
            .photo_access_log(user.id, id.0, query.0)
            .await?,
    ))
}
