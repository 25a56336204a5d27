use actix_web::{HttpResponse, get, web};
use omnicrm_domain::ContactId;
use omnicrm_domain::consents::{ConsentStatus, ConsentStatusQuery};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidQuery};
use crate::{ApiError, ApiState};

/// Whether the contact currently consents to `type`: the newest decision of that type
/// decides; without any, `granted` is false and `grantedAt` and `version` are null.
#[utoipa::path(tag = "consents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"), ConsentStatusQuery),
    responses((status = 200, body = ConsentStatus), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/contacts/{id}/consents/status")]
pub async fn consent_status(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    query: ValidQuery<ConsentStatusQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .consents
            .status(user.id, id.0, query.0.consent_type)
            .await?,
    ))
}
