//! Start-up pieces shared by `omnicrm-server` and `omnicrm-worker`: one configuration
//! (environment plus optional TOML file), tracing, and the embedded PostgreSQL.

pub mod config;
pub mod embedded;
pub mod google;
pub mod jobs;
pub mod signals;
pub mod telemetry;
