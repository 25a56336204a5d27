//! Integration tests of `omnicrm-repo`, one binary (linked once instead of once per
//! file); each module is one area, named after what it tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audited_reads;
mod contact_imports;
mod contact_list_statements;
mod contention;
mod examples;
mod migrations;
mod postgres_tls;
mod prepared_plans;
mod rate_limits;
mod schema_invariants;
mod schema_rs_matches;
mod search_window;
mod serving_role;
mod sync_statistics;
mod task_list_statements;
mod tenancy;
mod thread_pools;
