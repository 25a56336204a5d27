//! `heavy_request_leases`: the requests in flight on heavy routes, per bucket, shared by
//! every server instance. [`HeavyLeases::acquire`] admits a request only while fewer than
//! the limit hold an unexpired lease of its bucket.

use diesel::sql_types::{Int4, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_problem::AppError;
use uuid::Uuid;

use crate::error::RepoErrorExt;

/// The admission: under a transaction-scoped advisory lock on the bucket (so concurrent
/// acquirers of one bucket take turns, on any instance), drop the bucket's expired
/// leases, then insert this lease only when fewer than `$3` remain. The caller runs the
/// three statements in one transaction.
const LOCK: &str = "SELECT pg_advisory_xact_lock(hashtextextended('heavy:' || $1, 0))";
const EXPIRE: &str = "DELETE FROM heavy_request_leases WHERE bucket = $1 AND expires_at < now()";
const ADMIT: &str = include_str!("sql/heavy_leases_admit.sql");

/// The shared leases.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeavyLeases;

impl HeavyLeases {
    /// Takes lease `lease` of `bucket` for `ttl_secs` unless `limit` leases are held;
    /// `true` when admitted. Run inside a transaction (the advisory lock is scoped to it).
    pub async fn acquire(
        conn: &mut AsyncPgConnection,
        bucket: &str,
        lease: Uuid,
        limit: i32,
        ttl_secs: i32,
    ) -> Result<bool, AppError> {
        diesel::sql_query(LOCK)
            .bind::<Text, _>(bucket)
            .execute(conn)
            .await
            .map_db_error()?;
        diesel::sql_query(EXPIRE)
            .bind::<Text, _>(bucket)
            .execute(conn)
            .await
            .map_db_error()?;
        let inserted = diesel::sql_query(ADMIT)
            .bind::<Text, _>(bucket)
            .bind::<SqlUuid, _>(lease)
            .bind::<Int4, _>(limit)
            .bind::<Int4, _>(ttl_secs)
            .execute(conn)
            .await
            .map_db_error()?;
        Ok(inserted == 1)
    }

    /// Ends a lease (gone already is fine).
    pub async fn release(conn: &mut AsyncPgConnection, lease: Uuid) -> Result<(), AppError> {
        diesel::sql_query("DELETE FROM heavy_request_leases WHERE lease_id = $1")
            .bind::<SqlUuid, _>(lease)
            .execute(conn)
            .await
            .map_db_error()
            .map(drop)
    }
}
