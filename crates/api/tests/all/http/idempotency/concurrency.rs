//! Concurrent duplicates never run the handler twice.

use omnicrm_testkit::{TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn concurrent_duplicates_create_once_and_the_others_wait_their_turn() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user());
    for round in 0..3 {
        let keyed = alice
            .clone()
            .header("idempotency-key", &format!("race-{round}"));
        let body = json!({"displayName": format!("Ada {round}")});
        let results = futures_util::future::join_all(
            (0..6).map(|_| keyed.post_json("/api/v1/contacts", &body)),
        )
        .await;
        let created: Vec<_> = results
            .iter()
            .filter(|r| r.status() == StatusCode::CREATED)
            .collect();
        assert!(!created.is_empty(), "round {round}: someone creates");
        for res in &created {
            assert_eq!(
                res.bytes(),
                created[0].bytes(),
                "round {round}: one resource, replayed"
            );
        }
        for res in results.iter().filter(|r| r.status() != StatusCode::CREATED) {
            res.problem(StatusCode::CONFLICT, "idempotency_key_in_flight");
            assert_eq!(res.header("retry-after"), Some("1"));
        }
        // Once the first has finished, a retry gets its response.
        let retry = keyed.post_json("/api/v1/contacts", &body).await;
        assert_eq!(retry.bytes(), created[0].bytes());
    }
    let count: Value = alice
        .get("/api/v1/contacts/count")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(count["count"], 3, "each round created exactly one contact");
}
