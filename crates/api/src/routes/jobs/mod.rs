//! `/jobs`: a user's background jobs (list, inspect, cancel, retry, batches, run now) and
//! the cron drain `/cron/process-jobs`.

pub mod batch;
pub mod cancel;
pub mod cron;
pub mod get;
pub mod list;
pub mod retry;
pub mod runner;

use actix_web::HttpRequest;
use omnicrm_problem::AppError;
use serde::Deserialize;

use crate::extract::action_body;

/// Optional body of the runner and cron routes: empty, `{}` or `{"limit": n}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitBody {
    /// Most jobs to run.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Most jobs `POST /jobs/runner` runs at once.
pub(crate) const RUNNER_MAX_LIMIT: u32 = 50;
/// Most jobs `POST /cron/process-jobs` runs at once.
pub(crate) const CRON_MAX_LIMIT: u32 = 500;

/// Optional body of `POST /jobs/runner`: empty, `{}` or `{"limit": n}`.
// Documents the route; the body is read as `LimitBody` and a unit test holds the bound to
// `RUNNER_MAX_LIMIT`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct RunnerLimitBody {
    /// Most jobs to run (default 10).
    #[schema(minimum = 1, maximum = 50)]
    pub limit: Option<u32>,
}

/// Optional body of `POST /cron/process-jobs`: empty, `{}` or `{"limit": n}`.
// Documents the route; the body is read as `LimitBody` and a unit test holds the bound to
// `CRON_MAX_LIMIT`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct CronLimitBody {
    /// Most jobs to run (default 100).
    #[schema(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Reads an optional `{"limit": n}` body: empty means `default`; `n` must be in
/// `1..=max`.
pub(crate) fn optional_limit(
    req: &HttpRequest,
    body: &[u8],
    default: u32,
    max: u32,
) -> Result<u32, AppError> {
    let parsed: LimitBody = action_body(req, body)?;
    match parsed.limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(AppError::invalid_field(
            "/limit",
            "range",
            &format!("must be between 1 and {max}"),
        )),
    }
}

/// Registers `/jobs` and `/cron/process-jobs` routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list::list_jobs)
        .service(runner::run_jobs)
        .service(batch::get_job_batch)
        .service(get::get_job)
        .service(cancel::cancel_job)
        .service(retry::retry_job)
        .service(cron::process_jobs);
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;

    use super::*;

    fn maximum(schema: RefOr<Schema>) -> serde_json::Value {
        let doc = serde_json::to_value(schema).unwrap();
        doc["properties"]["limit"]["maximum"].clone()
    }

    #[test]
    fn the_documented_limits_are_the_enforced_ones() {
        assert_eq!(
            maximum(RunnerLimitBody::schema()),
            f64::from(RUNNER_MAX_LIMIT)
        );
        assert_eq!(maximum(CronLimitBody::schema()), f64::from(CRON_MAX_LIMIT));
    }
}
