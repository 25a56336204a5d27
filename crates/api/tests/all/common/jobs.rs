//! Fixtures shared by the tests of jobs.rs

use crate::common::Ctx;
use omnicrm_domain::UserId;
use uuid::Uuid;

pub(crate) async fn sql(ctx: &Ctx, statement: &str) {
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(statement)
        .await
        .unwrap();
}

/// A queued job of `user`, created `age_secs` seconds ago.
pub(crate) async fn queued(
    ctx: &Ctx,
    user: UserId,
    kind: &str,
    batch: Option<Uuid>,
    age_secs: i64,
) -> Uuid {
    let id = Uuid::now_v7();
    let batch = batch.map_or("NULL".to_owned(), |b| format!("'{b}'"));
    sql(
        ctx,
        &format!(
            "INSERT INTO job_queue (id, kind, queue, user_id, payload, batch_id, created_at) \
             VALUES ('{id}', '{kind}', 'default', '{user}', '{{\"n\": 1}}', {batch}, \
             timestamptz '2025-06-01 00:00:00+00' - interval '{age_secs} seconds')"
        ),
    )
    .await;
    id
}

/// A running (leased) job of `user`.
pub(crate) async fn running(ctx: &Ctx, user: UserId, kind: &str) -> Uuid {
    let id = Uuid::now_v7();
    sql(
        ctx,
        &format!(
            "INSERT INTO job_queue (id, kind, queue, user_id, state, attempts, lease_owner, lease_token, \
             lease_expires_at) VALUES ('{id}', '{kind}', 'default', '{user}', 'running', 1, 'test', \
             gen_random_uuid(), now() + interval '1 hour')"
        ),
    )
    .await;
    id
}

/// A finished job (`succeeded`, `cancelled` or `dead`) of `user`.
pub(crate) async fn finished(
    ctx: &Ctx,
    user: UserId,
    kind: &str,
    state: &str,
    batch: Option<Uuid>,
    age_secs: i64,
) -> Uuid {
    let id = Uuid::now_v7();
    let batch = batch.map_or("NULL".to_owned(), |b| format!("'{b}'"));
    sql(
        ctx,
        &format!(
            "INSERT INTO job_history (id, kind, queue, user_id, payload, priority, state, attempts, \
             max_attempts, batch_id, errors, result, created_at) VALUES ('{id}', '{kind}', 'default', \
             '{user}', '{{}}', 0, '{state}', 5, 5, {batch}, \
             '[{{\"attempt\": 1, \"error\": \"boom\"}}, {{\"attempt\": 2, \"error\": \"boom again\"}}]', \
             NULL, timestamptz '2025-06-01 00:00:00+00' - interval '{age_secs} seconds')"
        ),
    )
    .await;
    id
}
