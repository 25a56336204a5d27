//! `rate_limit_counters`: request counts per bucket and fixed window, shared by every
//! server instance. [`RateLimitRepository::hit`] is one atomic statement; the caller
//! weighs the previous window in (sliding-window counter) with the numbers it returns.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Int4, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_problem::AppError;

use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::sql::SqlBuilder;

/// What one hit saw, all from the database's clock.
#[derive(Debug, Clone, Copy, PartialEq, QueryableByName)]
pub struct WindowCounts {
    /// Requests admitted in the previous window.
    #[diesel(sql_type = Int4)]
    pub previous: i32,
    /// Requests admitted in the current window (including this one when admitted).
    #[diesel(sql_type = Int4)]
    pub current: i32,
    /// Whether this request was admitted (and counted).
    #[diesel(sql_type = Bool)]
    pub admitted: bool,
    /// Seconds since the current window started.
    #[diesel(sql_type = Double)]
    pub elapsed_secs: f64,
    /// The tenant the account named in the hit works on now (see
    /// [`crate::account_tenants::resolve`]); `None` when the hit named no account.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub tenant: Option<Uuid>,
}

/// The hit: the current window's row is created or incremented only when the weighted
/// estimate `previous * (1 - elapsed / window) + current` stays below `limit`, so refused
/// requests are not counted (a client that waits `Retry-After` gets in). The increment
/// takes the row lock of `ON CONFLICT DO UPDATE`, and its `WHERE` is evaluated against the
/// latest row version, so concurrent hits from any number of servers never overshoot.
const HIT: &str = include_str!("sql/rate_limits_hit.sql");

/// The shared counters.
#[derive(Debug, Clone, Copy, Default)]
pub struct RateLimitRepository;

impl RateLimitRepository {
    /// Counts one request against `bucket` unless `limit` requests per `window_secs` are
    /// already used up. With `account` (a token's `sub`), the same statement also reads the
    /// tenant that account works on now ([`WindowCounts::tenant`]), so an authenticated
    /// request resolves its tenant without a round trip of its own (ADR 0050).
    pub async fn hit(
        conn: &mut AsyncPgConnection,
        bucket: &str,
        limit: i32,
        window_secs: i32,
        account: Option<Uuid>,
    ) -> Result<WindowCounts, AppError> {
        // Prepared once per connection: this statement runs for every request, and
        // `diesel::sql_query` would parse and plan it every time (ADR 0050).
        let mut b = SqlBuilder::new();
        b.bind::<Text, _>(bucket.to_owned());
        b.bind::<Int4, _>(limit);
        b.bind::<Int4, _>(window_secs);
        b.bind::<Nullable<SqlUuid>, _>(account);
        b.push(HIT);
        b.build().get_result(conn).await.map_db_error()
    }

    /// Deletes windows nobody will read again; returns how many.
    pub async fn purge_expired(conn: &mut AsyncPgConnection) -> Result<usize, AppError> {
        diesel::sql_query("DELETE FROM rate_limit_counters WHERE expires_at < now()")
            .execute(conn)
            .await
            .map_db_error()
    }
}
