use actix_web::{HttpResponse, get, web};
use omnicrm_domain::tasks::TaskView;
use omnicrm_domain::{Page, PageQuery};

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};

/// A page of the suggested tasks awaiting your approval, soonest due first.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])), params(PageQuery),
    responses((status = 200, body = Page<TaskView>), (status = 400, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/tasks/pending-approval")]
pub async fn list_pending_approval(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .services
            .tasks
            .pending_approval(user.id, query.0)
            .await?,
    ))
}
