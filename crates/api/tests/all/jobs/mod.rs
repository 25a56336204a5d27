//! `/api/v1/jobs/...`: the caller's jobs, their actions and the HTTP drains.

mod batches;
mod cancel;
mod drains;
mod list;
mod retry;
mod runner;
mod tenancy;
