//! Claiming (short transaction, then a lease), heartbeats and the lease reaper.

use std::time::Duration;

use diesel::sql_types::{Array, Bool, Float8, Int4, Jsonb, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::EngineError;

/// A job this worker now holds a lease on.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Claimed {
    /// Id.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// Kind.
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// Tenant.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub user_id: Option<Uuid>,
    /// Payload.
    #[diesel(sql_type = Jsonb)]
    pub payload: serde_json::Value,
    /// This attempt (already counted).
    #[diesel(sql_type = Int4)]
    pub attempts: i32,
    /// Attempts allowed.
    #[diesel(sql_type = Int4)]
    pub max_attempts: i32,
    /// Batch.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub batch_id: Option<Uuid>,
    /// The fencing token of this lease.
    #[diesel(sql_type = SqlUuid)]
    pub lease_token: Uuid,
}

impl Claimed {
    /// The lease this claim took.
    pub fn lease(&self) -> Lease {
        Lease {
            job_id: self.id,
            token: self.lease_token,
        }
    }
}

/// A lease a worker holds on a running job: the job and the lease's fencing token. Every
/// heartbeat, completion and release names both, so a worker that lost the lease (it
/// expired and the job was claimed again) changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lease {
    /// The job.
    pub job_id: Uuid,
    /// The fencing token the claim generated.
    pub token: Uuid,
}

#[derive(diesel::QueryableByName)]
struct Key {
    #[diesel(sql_type = Text)]
    key: String,
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Claims up to `limit` runnable jobs of `queue` for `owner`, leasing them for `lease`.
///
/// Runs as one short transaction that commits before any job starts. Concurrency keys are
/// serialised by transaction-level advisory locks taken (in key order, so claimers cannot
/// deadlock) before the claim statement, whose fresh snapshot then sees every committed
/// running job of those keys.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    queue: &str,
    owner: &str,
    lease: Duration,
    limit: i64,
    only_user: Option<Uuid>,
) -> Result<Vec<Claimed>, EngineError> {
    // Fast path, one autocommit statement: jobs without a concurrency key.
    let mut claimed = claim_unkeyed(conn, queue, owner, lease, limit, only_user).await?;
    let remaining = limit - claimed.len() as i64;
    if remaining <= 0 {
        return Ok(claimed);
    }
    let keys: Vec<String> = due_keys(conn, queue).await?;
    if keys.is_empty() {
        return Ok(claimed);
    }
    let (queue, owner) = (queue.to_owned(), owner.to_owned());
    let keyed = conn
        .transaction(async move |tx| {
            diesel::sql_query(
                "SELECT count(pg_advisory_xact_lock(hashtextextended('omnicrm_jobs:' || k, 0))) \
                 FROM unnest($1::text[]) AS k",
            )
            .bind::<Array<Text>, _>(&keys)
            .execute(tx)
            .await?;
            // A new statement, so a fresh snapshot: it sees every running job of these keys
            // that a competing claimer committed before we got the locks.
            claim_statement(tx, &queue, &owner, lease, remaining, &keys, only_user).await
        })
        .await?;
    claimed.extend(keyed);
    Ok(claimed)
}

/// The hot path: no window functions, no per-row counts, so the planner walks the
/// claim index in order and stops after `limit` rows. The ids go through an array: joined
/// to a subquery instead, the planner hashes the whole queue to find the rows again.
async fn claim_unkeyed(
    conn: &mut AsyncPgConnection,
    queue: &str,
    owner: &str,
    lease: Duration,
    limit: i64,
    only_user: Option<Uuid>,
) -> Result<Vec<Claimed>, EngineError> {
    Ok(diesel::sql_query(include_str!("sql/claim_unkeyed.sql"))
        .bind::<Text, _>(queue)
        .bind::<Text, _>(owner)
        .bind::<Float8, _>(millis(lease))
        .bind::<diesel::sql_types::Int8, _>(limit)
        .bind::<Nullable<SqlUuid>, _>(only_user)
        .load(conn)
        .await?)
}

async fn due_keys(conn: &mut AsyncPgConnection, queue: &str) -> Result<Vec<String>, EngineError> {
    let keys: Vec<Key> = diesel::sql_query(include_str!("sql/claim_due_keys.sql"))
        .bind::<Text, _>(queue)
        .load(conn)
        .await?;
    Ok(keys.into_iter().map(|k| k.key).collect())
}

/// Claims keyed jobs, only of `keys` (locked by the caller); unkeyed ones were claimed first.
async fn claim_statement(
    conn: &mut AsyncPgConnection,
    queue: &str,
    owner: &str,
    lease: Duration,
    limit: i64,
    keys: &[String],
    only_user: Option<Uuid>,
) -> Result<Vec<Claimed>, EngineError> {
    Ok(diesel::sql_query(include_str!("sql/claim_keyed.sql"))
        .bind::<Text, _>(queue)
        .bind::<Text, _>(owner)
        .bind::<Float8, _>(millis(lease))
        .bind::<diesel::sql_types::Int8, _>(limit)
        .bind::<Array<Text>, _>(keys)
        .bind::<Nullable<SqlUuid>, _>(only_user)
        .load(conn)
        .await?)
}

/// A lease a heartbeat extended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::QueryableByName)]
pub struct HeldLease {
    /// The job.
    #[diesel(sql_type = SqlUuid, column_name = id)]
    pub job_id: Uuid,
    /// Whether cancellation was requested: the handler should stop.
    #[diesel(sql_type = Bool)]
    pub cancel_requested: bool,
}

/// Extends the leases this worker still holds (one statement for all of them). Returns
/// the leases still held, each saying whether cancellation was requested; a job missing
/// from the answer has lost its lease and must stop.
pub async fn heartbeat(
    conn: &mut AsyncPgConnection,
    leases: &[Lease],
    lease: Duration,
) -> Result<Vec<HeldLease>, EngineError> {
    if leases.is_empty() {
        return Ok(Vec::new());
    }
    let (ids, tokens): (Vec<Uuid>, Vec<Uuid>) = leases.iter().map(|l| (l.job_id, l.token)).unzip();
    Ok(diesel::sql_query(include_str!("sql/claim_heartbeat.sql"))
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<SqlUuid>, _>(tokens)
        .bind::<Float8, _>(millis(lease))
        .load(conn)
        .await?)
}

/// Re-queues jobs whose lease expired (their worker died or stalled); jobs that have
/// spent their attempts go to dead. Returns how many jobs were rescued or buried.
///
/// No index covers leases (claims and heartbeats stay HOT that way), so expired leases
/// are found by one scan of the hot table; the rows are then moved by id.
pub async fn reap_expired(conn: &mut AsyncPgConnection) -> Result<usize, EngineError> {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let expired: Vec<Uuid> = diesel::sql_query(
        "SELECT id FROM job_queue WHERE state = 'running' AND lease_expires_at < now()",
    )
    .load::<Id>(conn)
    .await?
    .into_iter()
    .map(|r| r.id)
    .collect();
    if expired.is_empty() {
        return Ok(0);
    }
    let error = "lease expired: the worker died or stalled";
    // Both statements re-check the lease: a heartbeat may have renewed it meanwhile.
    let dead = diesel::sql_query(include_str!("sql/claim_reap_dead.sql"))
        .bind::<Text, _>(error)
        .bind::<Array<SqlUuid>, _>(&expired)
        .execute(conn)
        .await?;
    let requeued = diesel::sql_query(include_str!("sql/claim_reap_requeue.sql"))
        .bind::<Text, _>(error)
        .bind::<Array<SqlUuid>, _>(&expired)
        .execute(conn)
        .await?;
    Ok(dead + requeued)
}
