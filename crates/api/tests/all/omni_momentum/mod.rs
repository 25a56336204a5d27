//! `/omni-momentum/*`: zones, projects, tasks, stats.

mod projects;
mod stats;
mod tasks;
mod tenancy;
mod zones;
