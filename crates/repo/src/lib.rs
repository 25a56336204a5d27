//! OmniCRM's persistence: the diesel schema, row types, one repository per aggregate,
//! the connection pool, embedded migrations and tenant-scoped transactions.
//!
//! Repositories take a `&mut AsyncPgConnection` so they run inside whatever transaction the
//! caller (a service) opened; [`Db::tenant`] is the only way services reach tenant rows, and
//! it sets `app.user_id` first so row-level security confines every statement to one user.
//!
//! # Connecting: the app role, and one tenant per transaction
//!
//! A tool that reads or writes a practice's data connects exactly as the server does:
//!
//! 1. **As the app role** (`omnicrm_app`, `LOGIN NOSUPERUSER NOBYPASSRLS`, owning nothing),
//!    never as the owner that runs migrations. Row-level security confines a role only
//!    when it can bypass nothing; [`serving_role::refuse_cross_tenant_url`] is the check
//!    the server runs at start, and a tool should run it too.
//! 2. **Through [`Db::tenant`]** (or [`Db::tenant_retrying`] for writes that may meet
//!    concurrent ones): it opens a transaction whose first statement sets `app.user_id`,
//!    so every statement in `body` sees that one user's rows and no other, whatever its
//!    `WHERE` clause says. It commits when `body` returns `Ok` and rolls back on `Err`,
//!    and it bounds the whole operation (checkout included) by the deadline given to
//!    [`Db::new`]. There is no other supported way to reach tenant tables: a plain
//!    connection from [`Db::conn`] sees no tenant rows at all.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use diesel::prelude::*;
//! use diesel_async::RunQueryDsl;
//! use futures_util::FutureExt;
//! use omnicrm_domain::UserId;
//! use omnicrm_problem::AppError;
//! use omnicrm_repo::schema::contacts;
//! use omnicrm_repo::{Db, DbSettings, RepoErrorExt, build_pool};
//!
//! # async fn report() -> Result<(), AppError> {
//! let settings = DbSettings::new("postgres://omnicrm_app:secret@127.0.0.1:5432/omnicrm");
//! // The server's own start-up check: refuse a role that could read other tenants.
//! omnicrm_repo::serving_role::refuse_cross_tenant_url(
//!     &settings.url,
//!     settings.connect_timeout,
//!     settings.statement_timeout,
//! )
//! .await
//! .map_err(AppError::internal)?;
//! let pool = build_pool(&settings).map_err(AppError::internal)?;
//! let db = Db::new(pool, settings.connect_timeout + settings.statement_timeout);
//!
//! let user = UserId::from(uuid::Uuid::parse_str("0193a5a0-0000-7000-8000-000000000001").unwrap());
//! let names: Vec<String> = db
//!     .tenant(user, move |conn| {
//!         async move {
//!             // Row-level security already limits this to `user`; the filter keeps the
//!             // query on the `(user_id, ..)` indexes.
//!             contacts::table
//!                 .filter(contacts::user_id.eq(user))
//!                 .select(contacts::display_name)
//!                 .order(contacts::display_name)
//!                 .load(conn)
//!                 .await
//!                 .map_db_error()
//!         }
//!         .boxed()
//!     })
//!     .await?;
//! # drop(names);
//! # Ok(())
//! # }
//! ```
//!
//! The repositories ([`contacts::ContactsRepository`], [`notes`], [`consents`], ...) are
//! the statements the server itself runs; call them inside the same closure. Writes that
//! carry business rules (the duplicate guard of contact creation, merging, import) live in
//! `omnicrm-services`, which takes a [`Db`] and calls [`Db::tenant`] for you.
//!
//! # Errors
//!
//! Everything returns [`omnicrm_problem::AppError`]. Database errors are mapped once
//! ([`map_diesel_error`], or `.map_db_error()` from [`RepoErrorExt`]): a missing row is
//! `not_found`, a unique violation `conflict` where the repository gives it a meaning
//! (`.conflict_on_unique(..)`) and `internal` elsewhere, a deadlock or serialization failure
//! `unavailable` with [`AppError::is_contention`](omnicrm_problem::AppError::is_contention)
//! set (run it again, as [`Db::tenant_retrying`] does), an unreachable database or an
//! exceeded deadline `unavailable`. Match on [`AppError::code`](omnicrm_problem::AppError::code):
//!
//! ```
//! use omnicrm_problem::{AppError, ErrorCode};
//!
//! fn should_retry(err: &AppError) -> bool {
//!     err.code() == ErrorCode::Unavailable
//! }
//! assert!(should_retry(&AppError::contention("deadlock detected")));
//! assert!(!should_retry(&AppError::not_found()));
//! ```
//!
//! # Examples
//!
//! `crates/repo/examples/` holds two programs the tests build and run against a real
//! database: `contacts_report` (contacts with their latest consent per type and last-note
//! date, as CSV) and `import_contacts` (a CSV import with the API's rules). Run one with
//! `cargo run -p omnicrm-repo --example contacts_report -- --help`.
//!
//! # Stable surface
//!
//! The root re-exports below and the public modules are the surface; ADR 0027
//! (`docs/adr/0027-library-surface.md`) records which of it other tools may rely on
//! across versions ([`Db`] and its tenant transactions, the repositories' signatures
//! within a release line) and which not (the [`schema`] module follows the migrations).
//! A public module is an area a tool navigates by (a resource's repository, [`schema`],
//! [`migrations`], [`serving_role`], [`tenants`]); the server's own machinery (rate limits,
//! heavy-work leases, idempotency keys, row versions) is private and re-exported hidden,
//! for the server's crates only (ADR 0034).
#![deny(missing_docs)]

pub mod account_tenants;
pub mod ai;
pub mod consents;
pub mod contacts;
mod db;
pub mod documents;
pub mod embeddings;
pub mod erasure_receipts;
mod error;
pub mod files;
pub mod goals;
pub mod google_sync;
pub mod habits;
mod heavy_leases;
mod idempotency_keys;
pub mod identities;
pub mod inbox;
pub mod insights;
pub mod integrations;
mod jsonb;
pub mod migrations;
pub mod notes;
pub mod onboarding;
mod pool;
pub mod pulse;
mod rate_limits;
mod row_versions;
/// The diesel schema, generated by `diesel print-schema` (a test compares it with the
/// catalog): one `table!` per table, columns named as in the migrations.
#[allow(missing_docs, reason = "generated by diesel print-schema")]
pub mod schema;
pub mod search;
pub mod serving_role;
mod sql;
pub mod stored_objects;
pub mod suggestions;
pub mod tags;
pub mod tasks;
pub mod tenants;
mod text;
pub mod timeline;
pub mod user_data;
pub mod user_exports;
pub mod user_profiles;

pub use db::{
    AuditCommit, CONTENTION_ATTEMPTS, Db, DbConn, TenantFuture, in_retired_tenant_transaction,
    in_tenant_transaction,
};
pub use diesel_async::AsyncPgConnection;
pub use error::{RepoErrorExt, map_diesel_error};
pub use jsonb::RawJsonb;
pub use pool::{DbSettings, PROBE_IDLE_AFTER, PgPool, build_pool, connect};

// The server's own machinery, private since ADR 0034 and re-exported for the server's
// crates only (hidden: no part of the surface a tool may rely on, ADR 0027): heavy-work
// leases, idempotency keys, rate-limit windows and the row versions behind ETags.
#[doc(hidden)]
pub use heavy_leases::HeavyLeases;
#[doc(hidden)]
pub use idempotency_keys::{
    ABANDONED_CLAIM_MINUTES as IDEMPOTENCY_ABANDONED_CLAIM_MINUTES, Claim as IdempotencyClaim,
    KEY_LIFETIME_HOURS as IDEMPOTENCY_KEY_LIFETIME_HOURS, StoredResponse,
    claim as claim_idempotency_key, complete as complete_idempotency_key,
    release as release_idempotency_key, sweep as sweep_idempotency_keys,
};
#[doc(hidden)]
pub use rate_limits::{RateLimitRepository, WindowCounts};
#[doc(hidden)]
pub use row_versions::{
    Accepts as RowAccepts, RowCondition, RowKey, Version as RowVersion, VersionedRow,
    read_version as read_row_version,
};
