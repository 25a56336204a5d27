//! `/api/v1/user/...`: the user's data export and erasure.

mod data;
mod erase;
mod erase_everywhere;
mod erase_running_jobs;
mod erasure_receipt;
mod export;
mod export_job;
mod export_records;
