//! `/api/v1/omni-momentum/...`: zones, projects, tasks, habits, stats.

mod goals;
mod habits;
mod inbox;
mod projects;
mod pulse;
mod pulse_and_goals_user_data;
mod stats;
mod tasks;
mod tenancy;
mod zones;
