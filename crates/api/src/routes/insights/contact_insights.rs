use actix_web::{HttpResponse, get, web};
use omnicrm_domain::ContactId;
use omnicrm_domain::insights::{ContactInsightsQuery, InsightPage};

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidQuery};
use crate::{ApiError, ApiState};

/// A page of the insights about one contact, newest first; 404 when the contact is not
/// yours.
#[utoipa::path(tag = "insights", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id"), ContactInsightsQuery),
    responses((status = 200, body = InsightPage), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/contacts/{id}/insights")]
pub async fn list_contact_insights(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    query: ValidQuery<ContactInsightsQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .insights
            .list_for_contact(user.id, id.0, (id.0, query.0).into())
            .await?,
    ))
}
