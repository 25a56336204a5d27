//! `tenant_search` ranks the most recent matches of each kind (ADR 0041); how many is the
//! caller's choice (ADR 0048: a hybrid search ranks fewer than a full-text one).

use omnicrm_testkit::TestDb;

/// A tenant seeded by `rows` (SQL run as the owner, `{user}` replaced by the tenant's id),
/// and an app connection scoped to it.
async fn tenant_with(db: &TestDb, rows: &str) -> (uuid::Uuid, tokio_postgres::Client) {
    let user = uuid::Uuid::now_v7();
    db.owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}'); {}",
            rows.replace("{user}", &user.to_string())
        ))
        .await
        .unwrap();
    let app = db.app().await.unwrap();
    app.batch_execute(&format!("SET app.user_id = '{user}'"))
        .await
        .unwrap();
    (user, app)
}

#[tokio::test]
async fn the_window_bounds_which_matches_are_ranked() {
    let db = TestDb::new().await.unwrap();
    // An old note that says "breathing" five times, then three that say it once.
    let (_, app) = tenant_with(
        &db,
        "INSERT INTO contacts (user_id, id, display_name) VALUES ('{user}', '{user}', 'Ada');
         INSERT INTO notes (user_id, id, contact_id, content_plain, created_at)
         VALUES ('{user}', gen_random_uuid(), '{user}',
                 'breathing breathing breathing breathing breathing', now() - interval '1 year');
         INSERT INTO notes (user_id, id, contact_id, content_plain, created_at)
         SELECT '{user}', gen_random_uuid(), '{user}', 'box breathing, session ' || n,
                now() - n * interval '1 day'
         FROM generate_series(1, 3) AS n;",
    )
    .await;
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

/// The function's steps (ADR 0051) answer as one statement did: kinds not asked for are
/// absent, the page is the best `limit` across kinds, and contacts match by a near miss of
/// the name; the contact helper is not the app's to call.
#[tokio::test]
async fn the_page_is_the_best_across_the_kinds_asked_for() {
    let db = TestDb::new().await.unwrap();
    let (user, app) = tenant_with(
        &db,
        "INSERT INTO contacts (user_id, id, display_name)
         VALUES ('{user}', '{user}', 'Ada Lovelace');
         INSERT INTO notes (user_id, id, contact_id, content_plain)
         VALUES ('{user}', gen_random_uuid(), '{user}', 'Lovelace asked about box breathing'),
                ('{user}', gen_random_uuid(), '{user}', 'box breathing, box breathing, box breathing');
         INSERT INTO tasks (user_id, id, name)
         VALUES ('{user}', gen_random_uuid(), 'Send the breathing worksheet');",
    )
    .await;
    let search = |q: &'static str, near: Option<&'static str>, kinds: &'static str, limit: i32| {
        let app = &app;
        async move {
            app.query(
                "SELECT kind, title FROM tenant_search($1, $2, string_to_array($3, ','), $4, 250)",
                &[&q, &near, &kinds, &limit],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| format!("{}: {}", r.get::<_, String>(0), r.get::<_, String>(1)))
            .collect::<Vec<_>>()
        }
    };

    let all = search("breathing", None, "contact,note,task", 10).await;
    assert_eq!(all.len(), 3, "{all:?}");
    // A task's name weighs most, then the note that says it three times.
    assert_eq!(all[0], "task: Send the breathing worksheet");
    assert_eq!(all[1], "note: box breathing, box breathing, box breathing");
    assert_eq!(
        search("breathing", None, "task", 10).await,
        vec!["task: Send the breathing worksheet".to_owned()]
    );
    assert_eq!(
        search("breathing", None, "contact,note,task", 1)
            .await
            .len(),
        1
    );
    // A near miss of the name finds the contact; without `near` it does not.
    assert_eq!(
        search("Lovelase", Some("lovelase"), "contact", 10).await,
        vec!["contact: Ada Lovelace".to_owned()]
    );
    assert!(search("Lovelase", None, "contact", 10).await.is_empty());
    // No word at all: nothing by full text, and no error.
    assert!(search("!!", None, "contact,note,task", 10).await.is_empty());

    let denied = app
        .query(
            "SELECT * FROM tenant_search_contacts($1, to_tsquery('simple', 'ada'), NULL, 10)",
            &[&user],
        )
        .await
        .unwrap_err();
    assert!(
        denied.to_string().contains("permission denied")
            || format!("{denied:?}").contains("permission denied"),
        "{denied:?}"
    );
}
