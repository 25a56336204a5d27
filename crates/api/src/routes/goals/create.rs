use actix_web::{HttpResponse, post, web};
use omnicrm_domain::goals::{CreateGoal, Goal};

use crate::auth::AuthUser;
use crate::extract::ValidJson;
use crate::{ApiError, ApiState};

/// Creates a goal; with `contactId` it is that client's goal. A contact, tag or note that
/// is not yours is 400 pointing at it.
#[utoipa::path(tag = "goals", security(("bearer" = []), ("cookie" = [])), request_body = CreateGoal,
    responses((status = 201, body = Goal), (status = 400, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/goals")]
pub async fn create_goal(
    user: AuthUser,
    state: web::Data<ApiState>,
    body: ValidJson<CreateGoal>,
) -> Result<HttpResponse, ApiError> {
    let goal = state.services.goals.create(user.id, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/omni-momentum/goals/{}", goal.id),
        ))
        .json(goal))
}
