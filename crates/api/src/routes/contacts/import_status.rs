use actix_web::{HttpResponse, get, web};
use omnicrm_domain::contacts::import::ContactImportView;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// One contact import: `queued`, `running` (`rowsProcessed` of `rowsTotal`), `done` (with
/// the `report`) or `failed` (nothing written). Another user's import is 404.
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "import id")),
    responses(
        (status = 200, body = ContactImportView),
        (status = 400, body = omnicrm_problem::Problem),
        (status = 401, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[get("/contacts/import/{id}")]
pub async fn contact_import_status(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = state.services.contacts.import_status(user.id, id.0).await?;
    Ok(HttpResponse::Ok().json(view))
}
