//! Inspecting and steering jobs: get, list, cancel, redrive, pause, batches, purge.

use diesel::sql_types::{
    Array, BigInt, Date, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{HISTORY_RECORD, JobRecord, QUEUE_RECORD};
use crate::EngineError;

/// One job, from whichever table holds it; `user` restricts it to that tenant's jobs.
pub async fn get(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    user: Option<Uuid>,
) -> Result<Option<JobRecord>, EngineError> {
    let rows: Vec<JobRecord> = diesel::sql_query(format!(
        "SELECT {QUEUE_RECORD} FROM job_queue WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2) \
         UNION ALL SELECT {HISTORY_RECORD} FROM job_history WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2) \
         LIMIT 1"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Nullable<SqlUuid>, _>(user)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

/// A user's jobs, newest first, filtered; `before` is the keyset cursor (created_at, id).
pub async fn list_for_user(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    kinds: &[String],
    states: &[String],
    batch_id: Option<Uuid>,
    before: Option<(OffsetDateTime, Uuid)>,
    limit: i64,
) -> Result<Vec<JobRecord>, EngineError> {
    let filter = "user_id = $1 AND (cardinality($2::text[]) = 0 OR kind = ANY($2)) \
                  AND (cardinality($3::text[]) = 0 OR state = ANY($3)) AND ($4::uuid IS NULL OR batch_id = $4) \
                  AND ($5::timestamptz IS NULL OR (created_at, id) < ($5, $6))";
    Ok(diesel::sql_query(format!(
        "SELECT * FROM (SELECT {QUEUE_RECORD} FROM job_queue WHERE {filter} \
         UNION ALL SELECT {HISTORY_RECORD} FROM job_history WHERE {filter}) j \
         ORDER BY created_at DESC, id DESC LIMIT $7"
    ))
    .bind::<SqlUuid, _>(user)
    .bind::<Array<Text>, _>(kinds)
    .bind::<Array<Text>, _>(states)
    .bind::<Nullable<SqlUuid>, _>(batch_id)
    .bind::<Nullable<Timestamptz>, _>(before.map(|b| b.0))
    .bind::<Nullable<SqlUuid>, _>(before.map(|b| b.1))
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// What a cancel did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// A queued job was cancelled at once.
    Cancelled,
    /// A running job was asked to stop; its worker cancels it at the next heartbeat.
    Requested,
    /// The job had already finished.
    AlreadyFinished,
    /// No such job (for this user).
    NotFound,
}

/// Cancels a job: queued ones at once, running ones cooperatively.
pub async fn cancel(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    user: Option<Uuid>,
) -> Result<CancelOutcome, EngineError> {
    let moved = diesel::sql_query(include_str!("sql/admin_cancel_queued.sql"))
        .bind::<SqlUuid, _>(id)
        .bind::<Nullable<SqlUuid>, _>(user)
        .execute(conn)
        .await?;
    if moved > 0 {
        return Ok(CancelOutcome::Cancelled);
    }
    let flagged = diesel::sql_query(
        "UPDATE job_queue SET cancel_requested = true WHERE id = $1 AND state = 'running' \
         AND ($2::uuid IS NULL OR user_id = $2)",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Nullable<SqlUuid>, _>(user)
    .execute(conn)
    .await?;
    if flagged > 0 {
        return Ok(CancelOutcome::Requested);
    }
    Ok(match get(conn, id, user).await? {
        Some(_) => CancelOutcome::AlreadyFinished,
        None => CancelOutcome::NotFound,
    })
}

/// Puts dead jobs back in the queue with fresh attempts (their error history is kept).
/// Returns the ids redriven; ids that are not dead (or not the user's) are ignored, and so
/// is a dead job whose unique key a live twin holds (it stays dead rather than vanish).
///
/// The job is inserted first and its dead letter deleted only when the insert happened, in
/// one statement: a twin that commits while the redrive runs (or a second dead job with
/// the same key in `ids`) makes the insert a no-op, and the dead letter stays.
pub async fn redrive(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    user: Option<Uuid>,
) -> Result<Vec<Uuid>, EngineError> {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let rows: Vec<Id> = diesel::sql_query(include_str!("sql/admin_redrive.sql"))
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Nullable<SqlUuid>, _>(user)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Stops claiming from `queue` (running jobs finish).
pub async fn pause_queue(conn: &mut AsyncPgConnection, queue: &str) -> Result<(), EngineError> {
    diesel::sql_query("INSERT INTO job_queue_pauses (queue) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind::<Text, _>(queue)
        .execute(conn)
        .await?;
    Ok(())
}

/// Resumes claiming from `queue`.
pub async fn resume_queue(conn: &mut AsyncPgConnection, queue: &str) -> Result<(), EngineError> {
    diesel::sql_query("DELETE FROM job_queue_pauses WHERE queue = $1")
        .bind::<Text, _>(queue)
        .execute(conn)
        .await?;
    diesel::sql_query("SELECT pg_notify('omnicrm_jobs', '')")
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts of a batch's jobs by state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchCounts {
    /// The batch.
    pub batch_id: Uuid,
    /// Waiting.
    pub queued: i64,
    /// Leased.
    pub running: i64,
    /// Done.
    pub succeeded: i64,
    /// Cancelled.
    pub cancelled: i64,
    /// Failed for good.
    pub dead: i64,
    /// All of them.
    pub total: i64,
}

/// Progress of a batch (restricted to `user`'s jobs when given).
pub async fn batch_counts(
    conn: &mut AsyncPgConnection,
    batch_id: Uuid,
    user: Option<Uuid>,
) -> Result<BatchCounts, EngineError> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        state: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(include_str!("sql/admin_batch_counts.sql"))
        .bind::<SqlUuid, _>(batch_id)
        .bind::<Nullable<SqlUuid>, _>(user)
        .load(conn)
        .await?;
    let mut counts = BatchCounts {
        batch_id,
        ..BatchCounts::default()
    };
    for row in rows {
        match row.state.as_str() {
            "queued" => counts.queued = row.n,
            "running" => counts.running = row.n,
            "succeeded" => counts.succeeded = row.n,
            "cancelled" => counts.cancelled = row.n,
            _ => counts.dead += row.n,
        }
        counts.total += row.n;
    }
    Ok(counts)
}

/// Rows [`purge_user_counted`] removed, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgedJobs {
    /// Rows of `job_queue` (queued, running and finished-but-kept jobs).
    pub queued: usize,
    /// Rows of `job_history`.
    pub history: usize,
    /// Rows of `job_schedules` (the user's recurring schedules).
    pub schedules: usize,
}

impl PurgedJobs {
    /// All rows removed.
    pub fn total(&self) -> usize {
        self.queued + self.history + self.schedules
    }
}

/// Like [`purge_user`], counting per table. Schedules go first, so none fires a new job
/// for the user between the two deletes.
pub async fn purge_user_counted(
    conn: &mut AsyncPgConnection,
    user: Uuid,
) -> Result<PurgedJobs, EngineError> {
    let schedules = crate::cron::delete_user_schedules(conn, user).await?;
    let queued = diesel::sql_query("DELETE FROM job_queue WHERE user_id = $1")
        .bind::<SqlUuid, _>(user)
        .execute(conn)
        .await?;
    let history = diesel::sql_query("DELETE FROM job_history WHERE user_id = $1")
        .bind::<SqlUuid, _>(user)
        .execute(conn)
        .await?;
    Ok(PurgedJobs {
        queued,
        history,
        schedules,
    })
}

/// Erasure: removes every job and schedule of `user`. Returns how many rows.
pub async fn purge_user(conn: &mut AsyncPgConnection, user: Uuid) -> Result<usize, EngineError> {
    purge_user_counted(conn, user)
        .await
        .map(|purged| purged.total())
}

/// Makes sure the history partitions of this and the next `months - 1` months exist.
pub async fn ensure_history_partitions(
    conn: &mut AsyncPgConnection,
    months: i32,
) -> Result<(), EngineError> {
    diesel::sql_query("SELECT job_history_ensure_partitions(current_date, $1)")
        .bind::<Integer, _>(months)
        .execute(conn)
        .await?;
    Ok(())
}

/// Drops history partitions that end on or before `before` (whole months, no row deletes).
pub async fn drop_history_before(
    conn: &mut AsyncPgConnection,
    before: time::Date,
) -> Result<i32, EngineError> {
    #[derive(diesel::QueryableByName)]
    struct Dropped {
        #[diesel(sql_type = Integer)]
        n: i32,
    }
    let rows: Vec<Dropped> =
        diesel::sql_query("SELECT job_history_drop_partitions_before($1) AS n")
            .bind::<Date, _>(before)
            .load(conn)
            .await?;
    Ok(rows.into_iter().next().map_or(0, |r| r.n))
}

/// Jobs in the hot queue by `(queue, state)` (metrics).
pub async fn queue_depth(
    conn: &mut AsyncPgConnection,
) -> Result<Vec<(String, String, i64)>, EngineError> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        queue: String,
        #[diesel(sql_type = Text)]
        state: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT queue, state, count(*) AS n FROM job_queue GROUP BY queue, state ORDER BY 1, 2",
    )
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.queue, r.state, r.n)).collect())
}
