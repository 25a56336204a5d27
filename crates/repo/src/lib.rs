//! OmniCRM's persistence: the diesel schema, row types, one repository per aggregate,
//! the connection pool, embedded migrations and tenant-scoped transactions.
//!
//! Repositories take a `&mut AsyncPgConnection` so they run inside whatever transaction the
//! caller (a service) opened; [`Db::tenant`] is the only way services reach tenant rows, and
//! it sets `app.user_id` first so row-level security confines every statement to one user.

pub mod consents;
pub mod contacts;
mod db;
mod error;
pub mod files;
pub mod goals;
pub mod habits;
pub mod heavy_leases;
pub mod idempotency_keys;
pub mod identities;
pub mod jsonb;
pub mod migrations;
pub mod notes;
pub mod onboarding;
mod pool;
pub mod pulse;
pub mod rate_limits;
pub mod row_versions;
pub mod schema;
pub mod serving_role;
pub mod sql;
pub mod stored_objects;
pub mod suggestions;
pub mod tags;
pub mod tenants;
mod text;
pub mod user_data;
pub mod user_exports;
pub mod user_profiles;

pub use db::{AuditCommit, CONTENTION_ATTEMPTS, Db, DbConn, TenantFuture, in_tenant_transaction};
pub use diesel_async::AsyncPgConnection;
pub use error::{RepoErrorExt, map_diesel_error};
pub use pool::{DbSettings, PROBE_IDLE_AFTER, PgPool, build_pool, connect};
