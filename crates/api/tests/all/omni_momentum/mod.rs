//! `/api/v1/omni-momentum/...`: zones, projects, tasks, habits, stats.

mod habits;
mod projects;
mod stats;
mod tasks;
mod tenancy;
mod zones;
