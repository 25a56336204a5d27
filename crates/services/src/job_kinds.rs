//! The CRM's background job kinds and the context their handlers share.
//!
//! CRM job kinds register here: add `.register::<YourJob>()` to [`registry`] (with
//! `type Context = JobsAppContext`). Every runner (the worker, `POST /jobs/runner` and the
//! cron drain) executes exactly the kinds this registry knows; a claimed job whose kind is
//! not registered fails permanently (dead).

use omnicrm_jobs::Registry;
use omnicrm_repo::Db;

/// What job handlers get besides their payload.
#[derive(Debug, Clone)]
pub struct JobsAppContext {
    /// The database handle (open the tenant's transaction with the job's user id).
    pub db: Db,
}

/// Every CRM job kind. None is registered yet.
pub fn registry() -> Registry<JobsAppContext> {
    Registry::new()
}
