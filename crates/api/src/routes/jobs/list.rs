use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::extract::ValidQuery;
use crate::{ApiError, ApiState};
use omnicrm_services::jobs::{JobPage, JobState};

fn default_limit() -> u32 {
    50
}

/// Query of `GET /jobs`. Arrays repeat the key: `?state=queued&state=running`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, serde::Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobListQuery {
    /// Any of these kinds.
    #[garde(length(max = 50), inner(length(chars, min = 1, max = 200)))]
    #[serde(default)]
    pub kind: Vec<String>,
    /// Any of these states.
    #[garde(length(max = 5))]
    #[serde(default)]
    pub state: Vec<JobState>,
    /// Only this batch.
    #[garde(skip)]
    #[serde(default)]
    pub batch_id: Option<Uuid>,
    /// `nextCursor` of the previous page.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size (1..=200, default 50).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_limit")]
    pub limit: u32,
}

/// The caller's jobs, newest first, with a cursor to the next page.
#[utoipa::path(tag = "jobs", security(("bearer" = []), ("cookie" = [])), params(JobListQuery),
    responses((status = 200, body = JobPage), (status = 400, body = omnicrm_problem::Problem),
        (status = 401, body = omnicrm_problem::Problem)))]
#[get("/jobs")]
pub async fn list_jobs(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<JobListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let page = state
        .services
        .jobs
        .list(
            user.id,
            q.kind,
            q.state,
            q.batch_id,
            q.cursor.as_deref(),
            q.limit,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
