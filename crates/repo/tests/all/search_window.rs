//! `tenant_search` ranks the most recent matches of each kind (ADR 0041); how many is the
//! caller's choice (ADR 0048: a hybrid search ranks fewer than a full-text one).

use omnicrm_testkit::TestDb;

#[tokio::test]
async fn the_window_bounds_which_matches_are_ranked() {
    let db = TestDb::new().await.unwrap();
    let user = uuid::Uuid::now_v7();
    let owner = db.owner().await.unwrap();
    // An old note that says "breathing" five times, then three that say it once.
    owner
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}');
             INSERT INTO contacts (user_id, id, display_name) VALUES ('{user}', '{user}', 'Ada');
             INSERT INTO notes (user_id, id, contact_id, content_plain, created_at)
             VALUES ('{user}', gen_random_uuid(), '{user}',
                     'breathing breathing breathing breathing breathing', now() - interval '1 year');
             INSERT INTO notes (user_id, id, contact_id, content_plain, created_at)
             SELECT '{user}', gen_random_uuid(), '{user}', 'box breathing, session ' || n,
                    now() - n * interval '1 day'
             FROM generate_series(1, 3) AS n;"
        ))
        .await
        .unwrap();
    let app = db.app().await.unwrap();
    app.batch_execute(&format!("SET app.user_id = '{user}'"))
        .await
        .unwrap();
    let best = |window: i32| {
        let app = &app;
        async move {
            app.query(
                "SELECT snippet FROM tenant_search('breathing', NULL, '{note}', 10, $1)",
                &[&window],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
        }
    };

    // The whole history ranked: the old note is the best match.
    let all = best(1000).await;
    assert_eq!(all.len(), 4, "{all:?}");
    assert!(!all[0].contains("session"), "{all:?}");
    // The two most recent matches only.
    let recent = best(2).await;
    assert_eq!(recent.len(), 2, "{recent:?}");
    assert!(recent.iter().all(|s| s.contains("session")), "{recent:?}");
    // The four-argument call ranks the full-text window.
    let default: i64 = app
        .query_one(
            "SELECT count(*) FROM tenant_search('breathing', NULL, '{note}', 10)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(default, 4);
}
