//! `/api/v1/omni-momentum/habits/...`.

mod analytics;
mod completions;
mod crud;
mod streak;
mod tenancy;
mod user_data;
mod validation;
