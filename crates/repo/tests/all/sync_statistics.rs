//! A first sync writes thousands of rows within seconds; the app role may refresh the
//! planner's statistics of the tables it fills once they have outgrown them, and only then
//! (the rule doubles: one run per doubling, none while the statistics hold).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use futures_util::FutureExt;
use omnicrm_repo::timeline::normalise::refresh_statistics;
use omnicrm_repo::{Db, DbSettings, build_pool};
use omnicrm_testkit::TestDb;

async fn refresh(db: &Db) -> Vec<String> {
    db.unscoped(|conn| async move { refresh_statistics(conn).await }.boxed())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_app_role_analyses_sync_tables_once_they_outgrow_their_statistics() {
    let test_db = TestDb::new().await.unwrap();
    let db = Db::new(
        build_pool(&DbSettings::new(test_db.app_url.clone())).unwrap(),
        Duration::from_secs(20),
    );
    assert!(refresh(&db).await.is_empty(), "nothing written yet");

    let user = uuid::Uuid::now_v7();
    let owner = test_db.owner().await.unwrap();
    owner
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}');
             INSERT INTO raw_events (user_id, id, provider, payload, occurred_at, source_id)
             SELECT '{user}', gen_random_uuid(), 'gmail', '{{}}', now(), 'm' || n
             FROM generate_series(1, 3000) AS n;"
        ))
        .await
        .unwrap();
    // A backend flushes its counters when it ends (an idle one only after 10 s).
    drop(owner);

    // The writer's counters reach the statistics views within a second or so.
    let started = Instant::now();
    let analysed = loop {
        let analysed = refresh(&db).await;
        if !analysed.is_empty() || started.elapsed() > Duration::from_secs(30) {
            break analysed;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(analysed, vec!["raw_events".to_owned()]);
    let known: f32 = test_db
        .owner()
        .await
        .unwrap()
        .query_one(
            "SELECT reltuples FROM pg_class WHERE relname = 'raw_events'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(
        (known - 3000.0).abs() < 1.0,
        "the planner now knows 3,000 rows: {known}"
    );
    assert!(
        refresh(&db).await.is_empty(),
        "fresh statistics are left alone"
    );
}
