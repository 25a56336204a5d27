//! The Google sync's state: `google_sync_cursors` (where each service's sync stands, its
//! circuit breaker), the `google_sync_runs` ledger, and the lossless upsert of fetched
//! messages and events into `raw_events`. Every statement runs in the caller's tenant
//! transaction and filters `user_id` explicitly (RLS confines them too).

use diesel::QueryableByName;
use diesel::sql_types::{Array, Int4, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_problem::AppError;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;

/// Where one service's sync stands.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct SyncCursor {
    /// Gmail's history id / Calendar's sync token after the last completed run.
    #[diesel(sql_type = Nullable<Text>)]
    pub cursor: Option<String>,
    /// The run in progress.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub run_id: Option<Uuid>,
    /// `full` or `incremental` (with `run_id`).
    #[diesel(sql_type = Nullable<Text>)]
    pub run_mode: Option<String>,
    /// Gmail full sync: the history id it started at.
    #[diesel(sql_type = Nullable<Text>)]
    pub run_start_cursor: Option<String>,
    /// The next page of the run in progress.
    #[diesel(sql_type = Nullable<Text>)]
    pub page_token: Option<String>,
    /// Consecutive failed calls.
    #[diesel(sql_type = Int4)]
    pub breaker_failures: i32,
    /// The breaker is open until then.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub breaker_open_until: Option<OffsetDateTime>,
    /// The last run that succeeded ended then.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_success_at: Option<OffsetDateTime>,
    /// The last failure's code.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_error_code: Option<String>,
}

/// A cursor row with its service (status and dashboard read every service at once).
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct ServiceCursor {
    /// `gmail` or `calendar`.
    #[diesel(sql_type = Text)]
    pub service: String,
    /// The rest of the row.
    #[diesel(embed)]
    pub cursor: SyncCursor,
}

/// One run of the ledger.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct SyncRun {
    /// The run's id (= the `batch_id` of its raw events).
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// `gmail` or `calendar`.
    #[diesel(sql_type = Text)]
    pub service: String,
    /// `full` or `incremental`.
    #[diesel(sql_type = Text)]
    pub mode: String,
    /// `schedule`, `manual`, `connect`.
    #[diesel(sql_type = Text)]
    pub trigger: String,
    /// The job that ran it.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub job_id: Option<Uuid>,
    /// `running`, `succeeded`, `failed`, `cancelled`.
    #[diesel(sql_type = Text)]
    pub status: String,
    /// Started at.
    #[diesel(sql_type = Timestamptz)]
    pub started_at: OffsetDateTime,
    /// Finished at.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub finished_at: Option<OffsetDateTime>,
    /// Items listed.
    #[diesel(sql_type = Int4)]
    pub listed: i32,
    /// Items fetched.
    #[diesel(sql_type = Int4)]
    pub fetched: i32,
    /// Interactions written by normalisation.
    #[diesel(sql_type = Int4)]
    pub imported: i32,
    /// Skipped items by reason.
    #[diesel(sql_type = Jsonb)]
    pub skipped: Value,
    /// Failed items.
    #[diesel(sql_type = Int4)]
    pub failed: i32,
    /// The failure's code.
    #[diesel(sql_type = Nullable<Text>)]
    pub error_code: Option<String>,
}

/// What one page adds to its run's ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageCounts {
    /// Items the provider listed.
    pub listed: i32,
    /// Items fetched in full.
    pub fetched: i32,
    /// Items that could not be fetched.
    pub failed: i32,
    /// Skipped items by reason (`unchanged`, `gone`).
    pub skipped: Vec<(String, i32)>,
}

/// One fetched item for `raw_events`.
#[derive(Debug, Clone)]
pub struct RawItem {
    /// The provider's id (message id, event id).
    pub source_id: String,
    /// When it happened; `None` keeps what is stored (a cancelled event without a start).
    pub occurred_at: Option<OffsetDateTime>,
    /// The provider's JSON as it came.
    pub payload: Value,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertOutcome {
    /// New rows.
    pub inserted: i32,
    /// Rows whose payload changed (reset to `pending`).
    pub updated: i32,
    /// Rows already stored with the same payload (nothing written).
    pub unchanged: i32,
}

const CURSOR_COLUMNS: &str = "cursor, run_id, run_mode, run_start_cursor, page_token, \
    breaker_failures, breaker_open_until, last_success_at, last_error_code";

const RUN_COLUMNS: &str = "id, service, mode, trigger, job_id, status, started_at, finished_at, \
    listed, fetched, imported, skipped, failed, error_code";

/// Reads (creating when missing) `service`'s cursor row.
pub async fn cursor(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    service: &str,
) -> Result<SyncCursor, AppError> {
    diesel::sql_query(
        "INSERT INTO google_sync_cursors (user_id, service) VALUES ($1, $2) \
         ON CONFLICT (user_id, service) DO NOTHING",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(service)
    .execute(conn)
    .await
    .map_db_error()?;
    diesel::sql_query(format!(
        "SELECT {CURSOR_COLUMNS} FROM google_sync_cursors WHERE user_id = $1 AND service = $2"
    ))
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(service)
    .get_result(conn)
    .await
    .map_db_error()
}

/// Every cursor row of `user`.
pub async fn cursors(
    conn: &mut AsyncPgConnection,
    user: Uuid,
) -> Result<Vec<ServiceCursor>, AppError> {
    diesel::sql_query(format!(
        "SELECT service, {CURSOR_COLUMNS} FROM google_sync_cursors WHERE user_id = $1 ORDER BY service"
    ))
    .bind::<SqlUuid, _>(user)
    .load(conn)
    .await
    .map_db_error()
}

/// Opens run `run_id` in the ledger and records it as the service's run in progress.
#[allow(clippy::too_many_arguments)]
pub async fn start_run(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    service: &str,
    run_id: Uuid,
    mode: &str,
    trigger: &str,
    job_id: Uuid,
    start_cursor: Option<&str>,
) -> Result<(), AppError> {
    diesel::sql_query(
        "INSERT INTO google_sync_runs (user_id, id, service, mode, trigger, job_id) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<SqlUuid, _>(run_id)
    .bind::<Text, _>(service)
    .bind::<Text, _>(mode)
    .bind::<Text, _>(trigger)
    .bind::<SqlUuid, _>(job_id)
    .execute(conn)
    .await
    .map_db_error()?;
    diesel::sql_query(
        "UPDATE google_sync_cursors SET run_id = $3, run_mode = $4, run_start_cursor = $5, \
         page_token = NULL, updated_at = now() WHERE user_id = $1 AND service = $2",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(service)
    .bind::<SqlUuid, _>(run_id)
    .bind::<Text, _>(mode)
    .bind::<Nullable<Text>, _>(start_cursor)
    .execute(conn)
    .await
    .map_db_error()?;
    Ok(())
}

/// A resumed run is now carried by `job_id` (a retry, or a new job after a dead worker).
pub async fn adopt_run(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    run_id: Uuid,
    job_id: Uuid,
) -> Result<(), AppError> {
    diesel::sql_query(
        "UPDATE google_sync_runs SET job_id = $3 WHERE user_id = $1 AND id = $2 AND status = 'running'",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<SqlUuid, _>(run_id)
    .bind::<SqlUuid, _>(job_id)
    .execute(conn)
    .await
    .map_db_error()?;
    Ok(())
}

/// The cursor expired at Google: the run in progress becomes a full sync from its first
/// page (`start_cursor`: Gmail's history id now).
pub async fn restart_full(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    service: &str,
    run_id: Uuid,
    start_cursor: Option<&str>,
) -> Result<(), AppError> {
    diesel::sql_query(
        "UPDATE google_sync_cursors SET cursor = NULL, run_mode = 'full', run_start_cursor = $3, \
         page_token = NULL, updated_at = now() WHERE user_id = $1 AND service = $2",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(service)
    .bind::<Nullable<Text>, _>(start_cursor)
    .execute(conn)
    .await
    .map_db_error()?;
    diesel::sql_query("UPDATE google_sync_runs SET mode = 'full' WHERE user_id = $1 AND id = $2")
        .bind::<SqlUuid, _>(user)
        .bind::<SqlUuid, _>(run_id)
        .execute(conn)
        .await
        .map_db_error()?;
    Ok(())
}

/// Upserts fetched items losslessly: new rows are inserted; a row whose payload changed
/// takes the new payload, batch and time and goes back to `pending`; an identical one is
/// left alone (counted `unchanged`). `items` must not repeat a source id.
pub async fn upsert_raw_events(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    provider: &str,
    batch_id: Uuid,
    items: &[RawItem],
) -> Result<UpsertOutcome, AppError> {
    #[derive(diesel::QueryableByName)]
    struct Written {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        inserted: bool,
    }
    if items.is_empty() {
        return Ok(UpsertOutcome::default());
    }
    let ids: Vec<Uuid> = items.iter().map(|_| Uuid::now_v7()).collect();
    let sources: Vec<&str> = items.iter().map(|i| i.source_id.as_str()).collect();
    let times: Vec<Option<OffsetDateTime>> = items.iter().map(|i| i.occurred_at).collect();
    let payloads: Vec<&Value> = items.iter().map(|i| &i.payload).collect();
    let written: Vec<Written> = diesel::sql_query(
        "INSERT INTO raw_events AS r (user_id, id, provider, payload, occurred_at, source_id, batch_id) \
         SELECT $1, t.id, $2, t.payload, \
                COALESCE(t.occurred_at, (SELECT e.occurred_at FROM raw_events e \
                    WHERE e.user_id = $1 AND e.provider = $2 AND e.source_id = t.source_id), now()), \
                t.source_id, $3 \
         FROM unnest($4::uuid[], $5::text[], $6::timestamptz[], $7::jsonb[]) \
              AS t(id, source_id, occurred_at, payload) \
         ON CONFLICT (user_id, provider, source_id) DO UPDATE SET \
             payload = EXCLUDED.payload, batch_id = EXCLUDED.batch_id, \
             occurred_at = EXCLUDED.occurred_at, processing_status = 'pending', \
             processing_attempts = 0, processing_error = NULL, processed_at = NULL \
         WHERE r.payload IS DISTINCT FROM EXCLUDED.payload \
         RETURNING (xmax = 0) AS inserted",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(provider)
    .bind::<SqlUuid, _>(batch_id)
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Text>, _>(sources)
    .bind::<Array<Nullable<Timestamptz>>, _>(times)
    .bind::<Array<Jsonb>, _>(payloads)
    .load(conn)
    .await
    .map_db_error()?;
    let total = i32::try_from(items.len()).unwrap_or(i32::MAX);
    let inserted = i32::try_from(written.iter().filter(|w| w.inserted).count()).unwrap_or(0);
    let changed = i32::try_from(written.len()).unwrap_or(0);
    Ok(UpsertOutcome {
        inserted,
        updated: changed - inserted,
        unchanged: total - changed,
    })
}

/// Checkpoints a page: its counts go into the run's ledger and the next page becomes the
/// run's position (in the transaction that stored the page's items).
pub async fn save_page(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    service: &str,
    run_id: Uuid,
    next_page: Option<&str>,
    counts: &PageCounts,
) -> Result<(), AppError> {
    let mut skipped = serde_json::Map::new();
    for (reason, n) in counts.skipped.iter().filter(|(_, n)| *n > 0) {
        let sum = skipped.get(reason).and_then(Value::as_i64).unwrap_or(0) + i64::from(*n);
        skipped.insert(reason.clone(), Value::from(sum));
    }
    diesel::sql_query(
        "UPDATE google_sync_runs SET listed = listed + $3, fetched = fetched + $4, \
         failed = failed + $5, skipped = ( \
             SELECT COALESCE(jsonb_object_agg(k, n), '{}'::jsonb) FROM ( \
                 SELECT k, SUM(v::int) AS n FROM ( \
                     SELECT key AS k, value AS v FROM jsonb_each_text(skipped) \
                     UNION ALL SELECT key, value FROM jsonb_each_text($6)) AS x \
                 GROUP BY k) AS y) \
         WHERE user_id = $1 AND id = $2",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<SqlUuid, _>(run_id)
    .bind::<Int4, _>(counts.listed)
    .bind::<Int4, _>(counts.fetched)
    .bind::<Int4, _>(counts.failed)
    .bind::<Jsonb, _>(Value::Object(skipped))
    .execute(conn)
    .await
    .map_db_error()?;
    diesel::sql_query(
        "UPDATE google_sync_cursors SET page_token = $3, breaker_failures = 0, \
         breaker_open_until = NULL, updated_at = now() WHERE user_id = $1 AND service = $2",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(service)
    .bind::<Nullable<Text>, _>(next_page)
    .execute(conn)
    .await
    .map_db_error()?;
    Ok(())
}

/// Ends the run in progress successfully: `cursor` is where the next run reads from.
pub async fn finish_run(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    service: &str,
    run_id: Uuid,
    cursor: Option<&str>,
) -> Result<(), AppError> {
    diesel::sql_query(
        "UPDATE google_sync_cursors SET cursor = $3, run_id = NULL, run_mode = NULL, \
         run_start_cursor = NULL, page_token = NULL, breaker_failures = 0, \
         breaker_open_until = NULL, last_success_at = now(), last_error_code = NULL, \
         updated_at = now() WHERE user_id = $1 AND service = $2",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(service)
    .bind::<Nullable<Text>, _>(cursor)
    .execute(conn)
    .await
    .map_db_error()?;
    end_run(conn, user, run_id, "succeeded", None).await
}

/// Ends the run in progress as `failed` (or `cancelled`) with `code`; the cursor stays.
pub async fn abandon_run(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    service: &str,
    run_id: Uuid,
    status: &str,
    code: &str,
) -> Result<(), AppError> {
    diesel::sql_query(
        "UPDATE google_sync_cursors SET run_id = NULL, run_mode = NULL, run_start_cursor = NULL, \
         page_token = NULL, last_error_code = $3, updated_at = now() \
         WHERE user_id = $1 AND service = $2 AND run_id = $4",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(service)
    .bind::<Text, _>(code)
    .bind::<SqlUuid, _>(run_id)
    .execute(conn)
    .await
    .map_db_error()?;
    end_run(conn, user, run_id, status, Some(code)).await
}

async fn end_run(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    run_id: Uuid,
    status: &str,
    code: Option<&str>,
) -> Result<(), AppError> {
    diesel::sql_query(
        "UPDATE google_sync_runs SET status = $3, error_code = $4, finished_at = now() \
         WHERE user_id = $1 AND id = $2 AND status = 'running'",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<SqlUuid, _>(run_id)
    .bind::<Text, _>(status)
    .bind::<Nullable<Text>, _>(code)
    .execute(conn)
    .await
    .map_db_error()?;
    Ok(())
}

/// Counts a failed call against the service's breaker: at `threshold` consecutive
/// failures (or on any failure of the probe after a cool-down) it opens for `cooldown`.
/// Returns when it is open until, if it is.
pub async fn record_failure(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    service: &str,
    code: &str,
    threshold: i32,
    cooldown: std::time::Duration,
) -> Result<Option<OffsetDateTime>, AppError> {
    #[derive(diesel::QueryableByName)]
    struct Open {
        #[diesel(sql_type = Nullable<Timestamptz>)]
        breaker_open_until: Option<OffsetDateTime>,
    }
    let cooldown_ms = i32::try_from(cooldown.as_millis()).unwrap_or(i32::MAX);
    let rows: Vec<Open> = diesel::sql_query(
        "UPDATE google_sync_cursors SET breaker_failures = breaker_failures + 1, \
         last_error_code = $3, updated_at = now(), \
         breaker_open_until = CASE WHEN breaker_failures + 1 >= $4 \
             THEN now() + make_interval(secs => $5::double precision / 1000) \
             ELSE breaker_open_until END \
         WHERE user_id = $1 AND service = $2 RETURNING breaker_open_until",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(service)
    .bind::<Text, _>(code)
    .bind::<Int4, _>(threshold)
    .bind::<Int4, _>(cooldown_ms)
    .load(conn)
    .await
    .map_db_error()?;
    Ok(rows.into_iter().next().and_then(|r| r.breaker_open_until))
}

/// Records the last error without counting it against the breaker (a revoked grant).
pub async fn record_error(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    service: &str,
    code: &str,
) -> Result<(), AppError> {
    diesel::sql_query(
        "UPDATE google_sync_cursors SET last_error_code = $3, updated_at = now() \
         WHERE user_id = $1 AND service = $2",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(service)
    .bind::<Text, _>(code)
    .execute(conn)
    .await
    .map_db_error()?;
    Ok(())
}

/// The most recent runs of `service`, newest first.
pub async fn recent_runs(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    service: &str,
    limit: i32,
) -> Result<Vec<SyncRun>, AppError> {
    diesel::sql_query(format!(
        "SELECT {RUN_COLUMNS} FROM google_sync_runs WHERE user_id = $1 AND service = $2 \
         ORDER BY started_at DESC, id DESC LIMIT $3"
    ))
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(service)
    .bind::<Int4, _>(limit)
    .load(conn)
    .await
    .map_db_error()
}

/// One run of the ledger.
pub async fn run(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    run_id: Uuid,
) -> Result<Option<SyncRun>, AppError> {
    let rows: Vec<SyncRun> = diesel::sql_query(format!(
        "SELECT {RUN_COLUMNS} FROM google_sync_runs WHERE user_id = $1 AND id = $2"
    ))
    .bind::<SqlUuid, _>(user)
    .bind::<SqlUuid, _>(run_id)
    .load(conn)
    .await
    .map_db_error()?;
    Ok(rows.into_iter().next())
}

/// Google refused the stored access token before its expiry: marks it expired, so the
/// token source refreshes it (or learns the grant was revoked) on the next call.
pub async fn expire_access_token(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    service: &str,
) -> Result<(), AppError> {
    diesel::sql_query(
        "UPDATE user_integrations SET expiry_date = now() - interval '1 second' \
         WHERE user_id = $1 AND provider = 'google' AND service = $2",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(service)
    .execute(conn)
    .await
    .map_db_error()?;
    Ok(())
}

/// `(queued, running, dead in the last 7 days)` of the jobs with `concurrency_key`.
pub async fn job_counts(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    concurrency_key: &str,
) -> Result<(i64, i64, i64), AppError> {
    #[derive(diesel::QueryableByName)]
    struct Counts {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        queued: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        running: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        dead: i64,
    }
    let c: Counts = diesel::sql_query(
        "SELECT \
           (SELECT count(*) FROM job_queue WHERE user_id = $1 AND concurrency_key = $2 AND state = 'queued') AS queued, \
           (SELECT count(*) FROM job_queue WHERE user_id = $1 AND concurrency_key = $2 AND state = 'running') AS running, \
           (SELECT count(*) FROM job_history WHERE user_id = $1 AND concurrency_key = $2 AND state = 'dead' \
              AND finished_at > now() - interval '7 days') AS dead",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(concurrency_key)
    .get_result(conn)
    .await
    .map_db_error()?;
    Ok((c.queued, c.running, c.dead))
}

/// The id of the queued or running job with `unique_key`.
pub async fn job_by_unique_key(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    unique_key: &str,
) -> Result<Option<Uuid>, AppError> {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let rows: Vec<Id> =
        diesel::sql_query("SELECT id FROM job_queue WHERE user_id = $1 AND unique_key = $2")
            .bind::<SqlUuid, _>(user)
            .bind::<Text, _>(unique_key)
            .load(conn)
            .await
            .map_db_error()?;
    Ok(rows.into_iter().next().map(|r| r.id))
}
