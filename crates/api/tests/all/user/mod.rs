//! `/api/v1/user/...`: the user's data export and erasure.

mod data;
mod erase;
mod erase_batched;
mod erase_everywhere;
mod erase_running_jobs;
mod erase_schedules;
mod erasure_receipt;
mod export;
mod export_job;
mod export_records;
