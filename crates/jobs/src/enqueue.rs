//! Enqueueing on the caller's connection (and so inside the caller's transaction).

use diesel::sql_types::{Array, Int2, Int4, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{EngineError, Job, UniqueMode};

/// Per-enqueue settings.
#[derive(Debug, Clone, Default)]
pub struct EnqueueOptions {
    /// The tenant the job works for.
    pub user_id: Option<Uuid>,
    /// Run no earlier than this (default: now).
    pub run_at: Option<OffsetDateTime>,
    /// Groups jobs for progress tracking.
    pub batch_id: Option<Uuid>,
    /// Overrides `Job::PRIORITY`.
    pub priority: Option<i16>,
}

const ON_UNIQUE_SKIP: &str = "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING";

#[derive(diesel::QueryableByName)]
struct InsertedId {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

fn timeout_ms<J: Job>() -> i32 {
    i32::try_from(J::TIMEOUT.as_millis()).unwrap_or(i32::MAX)
}

/// Enqueues one job. Returns its id, or `None` when a unique twin made it unnecessary.
pub async fn enqueue<J: Job>(
    conn: &mut AsyncPgConnection,
    job: &J,
    options: &EnqueueOptions,
) -> Result<Option<Uuid>, EngineError> {
    let payload = serde_json::to_value(job)?;
    let (unique_key, mode) = job
        .unique()
        .map_or((None, UniqueMode::Skip), |(k, m)| (Some(k), m));
    let (concurrency_key, concurrency_limit) = job
        .concurrency()
        .map_or((None, 1), |(k, n)| (Some(k), n.max(1)));
    let on_conflict = match (&unique_key, mode) {
        // An ON CONFLICT insert is speculative: it writes an extra WAL record per row.
        (None, _) => "",
        (Some(_), UniqueMode::Skip) => ON_UNIQUE_SKIP,
        (Some(_), UniqueMode::Replace) => {
            "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO UPDATE SET payload = EXCLUDED.payload, \
             run_at = EXCLUDED.run_at, priority = EXCLUDED.priority, batch_id = EXCLUDED.batch_id \
             WHERE job_queue.state = 'queued'"
        }
    };
    let sql = format!(
        "INSERT INTO job_queue (id, kind, queue, user_id, payload, priority, run_at, max_attempts, unique_key, \
         concurrency_key, concurrency_limit, batch_id, timeout_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, now()), $8, $9, $10, $11, $12, $13) \
         {on_conflict} RETURNING id"
    );
    let inserted: Vec<InsertedId> = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(Uuid::now_v7())
        .bind::<Text, _>(J::KIND)
        .bind::<Text, _>(J::QUEUE)
        .bind::<Nullable<SqlUuid>, _>(options.user_id)
        .bind::<Jsonb, _>(payload)
        .bind::<Int2, _>(options.priority.unwrap_or(J::PRIORITY))
        .bind::<Nullable<Timestamptz>, _>(options.run_at)
        .bind::<Int4, _>(J::MAX_ATTEMPTS.max(1))
        .bind::<Nullable<Text>, _>(unique_key)
        .bind::<Nullable<Text>, _>(concurrency_key)
        .bind::<Int4, _>(concurrency_limit)
        .bind::<Nullable<SqlUuid>, _>(options.batch_id)
        .bind::<Int4, _>(timeout_ms::<J>())
        .load(conn)
        .await?;
    Ok(inserted.into_iter().next().map(|row| row.id))
}

/// Enqueues many jobs of one kind in a single statement (one notification). Unique twins
/// are skipped (bulk inserts never replace). Returns the ids actually inserted.
pub async fn enqueue_many<J: Job>(
    conn: &mut AsyncPgConnection,
    jobs: &[J],
    options: &EnqueueOptions,
) -> Result<Vec<Uuid>, EngineError> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids = Vec::with_capacity(jobs.len());
    let mut payloads = Vec::with_capacity(jobs.len());
    let mut unique_keys = Vec::with_capacity(jobs.len());
    let mut concurrency_keys = Vec::with_capacity(jobs.len());
    let mut concurrency_limits = Vec::with_capacity(jobs.len());
    for job in jobs {
        ids.push(Uuid::now_v7());
        payloads.push(serde_json::to_value(job)?);
        unique_keys.push(job.unique().map(|(k, _)| k));
        let (key, limit) = job
            .concurrency()
            .map_or((None, 1), |(k, n)| (Some(k), n.max(1)));
        concurrency_keys.push(key);
        concurrency_limits.push(limit);
    }
    // Without unique keys the insert need not be speculative (one WAL record less per job).
    let on_conflict = if unique_keys.iter().any(Option::is_some) {
        ON_UNIQUE_SKIP
    } else {
        ""
    };
    let inserted: Vec<InsertedId> = diesel::sql_query(format!(
        "INSERT INTO job_queue (id, kind, queue, user_id, payload, priority, run_at, max_attempts, unique_key, \
         concurrency_key, concurrency_limit, batch_id, timeout_ms) \
         SELECT t.id, $2, $3, $4, t.payload, $5, COALESCE($6, now()), $7, t.unique_key, t.concurrency_key, \
                t.concurrency_limit, $8, $9 \
         FROM unnest($1::uuid[], $10::jsonb[], $11::text[], $12::text[], $13::int4[]) \
              AS t(id, payload, unique_key, concurrency_key, concurrency_limit) \
         {on_conflict} RETURNING id"
    ))
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Text, _>(J::KIND)
    .bind::<Text, _>(J::QUEUE)
    .bind::<Nullable<SqlUuid>, _>(options.user_id)
    .bind::<Int2, _>(options.priority.unwrap_or(J::PRIORITY))
    .bind::<Nullable<Timestamptz>, _>(options.run_at)
    .bind::<Int4, _>(J::MAX_ATTEMPTS.max(1))
    .bind::<Nullable<SqlUuid>, _>(options.batch_id)
    .bind::<Int4, _>(timeout_ms::<J>())
    .bind::<Array<Jsonb>, _>(payloads)
    .bind::<Array<Nullable<Text>>, _>(unique_keys)
    .bind::<Array<Nullable<Text>>, _>(concurrency_keys)
    .bind::<Array<Int4>, _>(concurrency_limits)
    .load(conn)
    .await?;
    Ok(inserted.into_iter().map(|row| row.id).collect())
}

#[derive(diesel::QueryableByName)]
struct JoinedId {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Enqueues `job` unless a job of the same kind and `options.batch_id` is still queued (not
/// started); that twin is then returned and locked until the caller's transaction ends, so
/// it cannot start before what the caller wrote is visible to it. For follow-ups queued
/// after each stored page: one waits per batch instead of one per page, and none misses a
/// page. Without a batch id this is [`enqueue`].
pub async fn enqueue_or_join<J: Job>(
    conn: &mut AsyncPgConnection,
    job: &J,
    options: &EnqueueOptions,
) -> Result<Option<Uuid>, EngineError> {
    let Some(batch) = options.batch_id else {
        return enqueue(conn, job, options).await;
    };
    // A claim takes `FOR UPDATE SKIP LOCKED`, so a twin we hold is skipped until we commit;
    // one the claimer holds is skipped here, and we enqueue our own.
    let joined: Vec<JoinedId> = diesel::sql_query(
        "SELECT id FROM job_queue WHERE batch_id = $1 AND kind = $2 AND state = 'queued' \
         LIMIT 1 FOR SHARE SKIP LOCKED",
    )
    .bind::<SqlUuid, _>(batch)
    .bind::<Text, _>(J::KIND)
    .load(conn)
    .await?;
    match joined.into_iter().next() {
        Some(twin) => Ok(Some(twin.id)),
        None => enqueue(conn, job, options).await,
    }
}
