//! Google sync fixtures: an app with fast sync pacing against a fake Google, running the
//! user's jobs, and reading what the sync stored.

use std::time::Duration;

use omnicrm_domain::UserId;
use omnicrm_services::integrations::google::SyncSettings;
use omnicrm_testkit::{FakeGoogle, TestApp, TestAppOptions, TestDb};
use serde_json::Value;

use super::google::GoogleCtx;

/// Small pages (paging is exercised), a breaker that opens after 3 failures for 1 s, and
/// short backoffs.
pub fn fast_sync() -> SyncSettings {
    SyncSettings {
        page_size: 5,
        fetch_concurrency: 4,
        breaker_threshold: 3,
        breaker_cooldown: Duration::from_secs(1),
        default_backoff: Duration::from_millis(50),
        ..SyncSettings::default()
    }
}

/// A database, a fake Google and the app with [`fast_sync`].
pub async fn setup_sync() -> GoogleCtx {
    let db = TestDb::new().await.unwrap();
    let google = FakeGoogle::start().await;
    let mut options = google.options();
    options.sync = Some(fast_sync());
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            google: options,
            ..TestAppOptions::default()
        },
    )
    .await;
    GoogleCtx { db, google, app }
}

/// Runs `user`'s due jobs until none is left (snoozed jobs wait for their time).
pub async fn run_jobs(ctx: &GoogleCtx, user: UserId) {
    for _ in 0..50 {
        let summary = ctx.app.services.jobs.run_now(user, 50).await.unwrap();
        if summary.processed == 0 {
            return;
        }
    }
}

/// `(source_id, payload, occurred_at as unix seconds, batch_id, processing_status)` of the
/// user's raw events of `provider`, by source id.
pub async fn raw_events(
    ctx: &GoogleCtx,
    user: UserId,
    provider: &str,
) -> Vec<(String, Value, i64, Option<uuid::Uuid>, String)> {
    let db = ctx.db.owner().await.unwrap();
    db.query(
        "SELECT source_id, payload, floor(extract(epoch FROM occurred_at))::bigint, batch_id, processing_status \
         FROM raw_events WHERE user_id = $1 AND provider = $2 ORDER BY source_id",
        &[&user.into_uuid(), &provider],
    )
    .await
    .unwrap()
    .into_iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
    .collect()
}

/// The user's runs of `service`, oldest first, as JSON objects.
pub async fn runs(ctx: &GoogleCtx, user: UserId, service: &str) -> Vec<Value> {
    let db = ctx.db.owner().await.unwrap();
    db.query(
        "SELECT to_jsonb(r) FROM google_sync_runs r WHERE user_id = $1 AND service = $2 \
         ORDER BY started_at, id",
        &[&user.into_uuid(), &service],
    )
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.get(0))
    .collect()
}

/// The user's schedule names.
pub async fn schedules(ctx: &GoogleCtx, user: UserId) -> Vec<String> {
    let db = ctx.db.owner().await.unwrap();
    db.query(
        "SELECT name FROM job_schedules WHERE user_id = $1 ORDER BY name",
        &[&user.into_uuid()],
    )
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.get(0))
    .collect()
}
