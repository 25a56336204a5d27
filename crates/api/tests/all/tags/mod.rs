//! `/api/v1/tags/...`.

mod apply;
mod bulk_delete;
mod create;
mod list;
mod stats;
mod tenancy;
mod update;
mod usage_counts;
mod validation;
