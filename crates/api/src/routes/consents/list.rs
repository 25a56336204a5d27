use actix_web::{HttpResponse, get, web};
use omnicrm_domain::consents::ConsentListQuery;
use omnicrm_domain::entities::ClientConsent;
use omnicrm_domain::{ContactId, Page};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidQuery};
use crate::{ApiError, ApiState};

/// The contact's consent history, newest first (withdrawals included).
#[utoipa::path(tag = "consents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"), ConsentListQuery),
    responses((status = 200, body = Page<ClientConsent>), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/contacts/{id}/consents")]
pub async fn list_consents(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    query: ValidQuery<ConsentListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.services.consents.list(user.id, id.0, query.0).await?))
}
