//! `rate_limit_counters`: request counts per bucket and fixed window, shared by every
//! server instance. [`RateLimitRepository::hit`] is one atomic statement; the caller
//! weighs the previous window in (sliding-window counter) with the numbers it returns.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Int4, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_problem::AppError;

use crate::error::RepoErrorExt;

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
}

/// The hit: the current window's row is created or incremented only when the weighted
/// estimate `previous * (1 - elapsed / window) + current` stays below `limit`, so refused
/// requests are not counted (a client that waits `Retry-After` gets in). The increment
/// takes the row lock of `ON CONFLICT DO UPDATE`, and its `WHERE` is evaluated against the
/// latest row version, so concurrent hits from any number of servers never overshoot.
const HIT: &str = "
WITH clock AS (
    SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $3) * $3) AS cur_start,
           clock_timestamp() AS now
),
prev AS (
    SELECT coalesce((SELECT r.count FROM rate_limit_counters r
                     WHERE r.bucket = $1
                       AND r.window_start = clock.cur_start - make_interval(secs => $3)), 0) AS n,
           1 - extract(epoch FROM (clock.now - clock.cur_start)) / $3 AS weight,
           clock.cur_start,
           extract(epoch FROM (clock.now - clock.cur_start))::float8 AS elapsed
    FROM clock
),
admitted AS (
    INSERT INTO rate_limit_counters AS c (bucket, window_start, count, expires_at)
    SELECT $1, prev.cur_start, 1, prev.cur_start + make_interval(secs => 2 * $3)
    FROM prev
    WHERE prev.n * prev.weight < $2
    ON CONFLICT (bucket, window_start) DO UPDATE SET count = c.count + 1
        WHERE (SELECT p.n * p.weight FROM prev p) + c.count < $2
    RETURNING c.count
)
SELECT prev.n AS previous,
       coalesce((SELECT a.count FROM admitted a),
                (SELECT r.count FROM rate_limit_counters r
                 WHERE r.bucket = $1 AND r.window_start = prev.cur_start),
                0) AS current,
       EXISTS (SELECT 1 FROM admitted) AS admitted,
       prev.elapsed AS elapsed_secs
FROM prev";

/// The shared counters.
#[derive(Debug, Clone, Copy, Default)]
pub struct RateLimitRepository;

impl RateLimitRepository {
    /// Counts one request against `bucket` unless `limit` requests per `window_secs` are
    /// already used up.
    pub async fn hit(
        conn: &mut AsyncPgConnection,
        bucket: &str,
        limit: i32,
        window_secs: i32,
    ) -> Result<WindowCounts, AppError> {
        diesel::sql_query(HIT)
            .bind::<Text, _>(bucket)
            .bind::<Int4, _>(limit)
            .bind::<Int4, _>(window_secs)
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Deletes windows nobody will read again; returns how many.
    pub async fn purge_expired(conn: &mut AsyncPgConnection) -> Result<usize, AppError> {
        diesel::sql_query("DELETE FROM rate_limit_counters WHERE expires_at < now()")
            .execute(conn)
            .await
            .map_db_error()
    }
}
