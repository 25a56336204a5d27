//! `/api/v1/user/...`: the user's data export and erasure.

mod data;
mod erase;
mod export;
mod export_job;
