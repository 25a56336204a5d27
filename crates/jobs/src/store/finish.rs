//! Ending an attempt. Every statement is fenced by the lease token: when the lease was
//! lost (expired and handed to another worker), nothing changes and `false` comes back.

use std::time::Duration;

use diesel::sql_types::{Array, Float8, Jsonb, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Lease;
use crate::{EngineError, FailureCode};

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Done; the value is stored as the result.
    Succeeded(Value),
    /// Failed; run again after `delay`.
    Retry {
        /// Why, as shown in job views.
        code: FailureCode,
        /// The error, recorded in the history.
        error: String,
        /// Backoff delay.
        delay: Duration,
    },
    /// Failed for good.
    Dead {
        /// Why, as shown in job views.
        code: FailureCode,
        /// The error, recorded in the history.
        error: String,
    },
    /// Run again after `delay` without spending an attempt.
    Snooze {
        /// Why, as shown in job views.
        code: FailureCode,
        /// Why, in the handler's words.
        reason: String,
        /// Delay.
        delay: Duration,
    },
    /// Stopped on request.
    Cancelled,
}

fn entry(attempt: i32, kind: &str, code: FailureCode, message: &str) -> Value {
    json!([{ "attempt": attempt, "kind": kind, "code": code.as_str(), "error": message, "at": time::OffsetDateTime::now_utc().unix_timestamp() }])
}

/// Ends attempt `attempt` of the job held under `lease`. `Ok(false)`: the lease was lost.
pub async fn finish(
    conn: &mut AsyncPgConnection,
    lease: Lease,
    attempt: i32,
    outcome: Outcome,
) -> Result<bool, EngineError> {
    let changed = match outcome {
        Outcome::Succeeded(result) => {
            move_to_history(conn, lease, "succeeded", json!([]), Some(result)).await?
        }
        Outcome::Dead { code, error } => {
            move_to_history(
                conn,
                lease,
                "dead",
                entry(attempt, "error", code, &error),
                None,
            )
            .await?
        }
        Outcome::Cancelled => {
            move_to_history(
                conn,
                lease,
                "cancelled",
                entry(
                    attempt,
                    "cancelled",
                    FailureCode::Cancelled,
                    "cancelled while running",
                ),
                None,
            )
            .await?
        }
        Outcome::Retry { code, error, delay } => {
            requeue(conn, lease, delay, entry(attempt, "error", code, &error), 0).await?
        }
        Outcome::Snooze {
            code,
            reason,
            delay,
        } => {
            requeue(
                conn,
                lease,
                delay,
                entry(attempt, "snooze", code, &reason),
                1,
            )
            .await?
        }
    };
    Ok(changed > 0)
}

async fn move_to_history(
    conn: &mut AsyncPgConnection,
    lease: Lease,
    state: &str,
    errors: Value,
    result: Option<Value>,
) -> Result<usize, EngineError> {
    Ok(
        diesel::sql_query(include_str!("sql/finish_move_to_history.sql"))
            .bind::<SqlUuid, _>(lease.job_id)
            .bind::<SqlUuid, _>(lease.token)
            .bind::<Text, _>(state)
            .bind::<Jsonb, _>(errors)
            .bind::<diesel::sql_types::Nullable<Jsonb>, _>(result)
            .execute(conn)
            .await?,
    )
}

async fn requeue(
    conn: &mut AsyncPgConnection,
    lease: Lease,
    delay: Duration,
    error: Value,
    refund: i32,
) -> Result<usize, EngineError> {
    Ok(diesel::sql_query(include_str!("sql/finish_requeue.sql"))
        .bind::<SqlUuid, _>(lease.job_id)
        .bind::<SqlUuid, _>(lease.token)
        .bind::<Float8, _>(delay.as_secs_f64() * 1000.0)
        .bind::<Jsonb, _>(error)
        .bind::<diesel::sql_types::Int4, _>(refund)
        .execute(conn)
        .await?)
}

/// A successful attempt waiting to be recorded.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The lease the attempt ran under.
    pub lease: Lease,
    /// The handler's result, stored with the job.
    pub result: Value,
}

/// Completes many successful jobs in one statement (the runner's hot path). Returns the
/// ids whose lease was still held; the others were fenced out.
pub async fn finish_succeeded_many(
    conn: &mut AsyncPgConnection,
    done: &[Completion],
) -> Result<Vec<Uuid>, EngineError> {
    if done.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let ids: Vec<Uuid> = done.iter().map(|d| d.lease.job_id).collect();
    let tokens: Vec<Uuid> = done.iter().map(|d| d.lease.token).collect();
    let results: Vec<Value> = done.iter().map(|d| d.result.clone()).collect();
    let rows: Vec<Id> = diesel::sql_query(include_str!("sql/finish_succeeded_many.sql"))
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<SqlUuid>, _>(tokens)
        .bind::<Array<Jsonb>, _>(results)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
