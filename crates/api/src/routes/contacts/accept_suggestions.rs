use actix_web::{HttpResponse, post, web};
use omnicrm_domain::contacts::{AcceptSuggestions, AcceptedSuggestions};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Creates contacts (stage `Prospect`, source `calendar_attendee` or `email_correspondent`, with an email identity)
/// from chosen suggestions in one transaction. Ids that match no current suggestion create
/// nothing and come back in `unknownIds`. A batch action with an outcome per id (like bulk
/// delete), so `200` even when it created contacts: there is no one created resource for a
/// `Location`, and it may create none.
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])),
    request_body = AcceptSuggestions,
    responses((status = 200, body = AcceptedSuggestions), (status = 400, body = omnicrm_problem::Problem)))]
#[post("/contacts/suggestions")]
pub async fn accept_suggestions(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<AcceptSuggestions>,
) -> Result<HttpResponse, ApiError> {
    let accepted = state
        .services
        .contacts
        .accept_suggestions(user.id, body.0)
        .await?;
    Ok(HttpResponse::Ok().json(accepted))
}
