//! Where keys live: swept after 24 hours, erased with their user.

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_testkit::{TEST_CRON_SECRET, TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn keys_of(db: &TestDb, user: UserId) -> Vec<String> {
    let owner = db.owner().await.unwrap();
    let rows = owner
        .query(
            "SELECT idempotency_key FROM idempotency_keys WHERE user_id = $1 ORDER BY 1",
            &[&user.into_uuid()],
        )
        .await
        .unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

#[tokio::test]
async fn the_sweep_deletes_keys_past_24_hours_and_nothing_else() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let (alice_id, bob_id) = (TestApp::new_user(), TestApp::new_user());
    let (alice, bob) = (app.as_user(alice_id), app.as_user(bob_id));
    let body = json!({"name": "Alpha"});
    for (user, key) in [(&alice, "old"), (&alice, "new"), (&bob, "old")] {
        user.clone()
            .header("idempotency-key", key)
            .post_json("/api/v1/tags", &json!({"name": format!("{key} tag")}))
            .await
            .expect(StatusCode::CREATED);
    }
    let first: Value = alice
        .clone()
        .header("idempotency-key", "aged")
        .post_json("/api/v1/tags", &body)
        .await
        .ok_json(StatusCode::CREATED);
    db.owner()
        .await
        .unwrap()
        .batch_execute(
            "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'
             WHERE idempotency_key IN ('old', 'aged');
             UPDATE idempotency_keys SET created_at = now() - interval '23 hours'
             WHERE idempotency_key = 'new';",
        )
        .await
        .unwrap();

    // Past 24 hours a key is forgotten even before the sweep: the request runs again
    // (and conflicts: a tag by that name exists now).
    alice
        .clone()
        .header("idempotency-key", "aged")
        .post_json("/api/v1/tags", &body)
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    assert!(first["id"].is_string());

    app.db
        .unscoped(|conn| {
            async move {
                omnicrm_jobs::enqueue(
                    conn,
                    &omnicrm_services::job_kinds::IdempotencySweep::default(),
                    &omnicrm_jobs::EnqueueOptions::default(),
                )
                .await
                .map(drop)
                .map_err(omnicrm_problem::AppError::from)
            }
            .boxed()
        })
        .await
        .unwrap();
    let res = app
        .anonymous()
        .header("authorization", &format!("Bearer {TEST_CRON_SECRET}"))
        .post("/api/v1/cron/process-jobs")
        .await;
    assert_eq!(res.ok_json(StatusCode::OK)["succeeded"], 1);

    assert_eq!(keys_of(&db, alice_id).await, ["new"]);
    assert!(keys_of(&db, bob_id).await.is_empty());
}

#[tokio::test]
async fn keys_go_with_the_erased_user() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let (alice_id, bob_id) = (TestApp::new_user(), TestApp::new_user());
    for user in [alice_id, bob_id] {
        app.as_user(user)
            .header("idempotency-key", "k")
            .post_json("/api/v1/contacts", &json!({"displayName": "Ada"}))
            .await
            .expect(StatusCode::CREATED);
    }
    assert_eq!(keys_of(&db, alice_id).await, ["k"]);
    app.as_user(alice_id)
        .send(
            app.as_user(alice_id)
                .request(reqwest::Method::DELETE, "/api/v1/user")
                .json(&json!({"confirmation": "DELETE MY DATA", "acknowledgeIrreversible": true})),
        )
        .await
        .expect(StatusCode::OK);
    assert!(keys_of(&db, alice_id).await.is_empty());
    assert_eq!(keys_of(&db, bob_id).await, ["k"]);
}
