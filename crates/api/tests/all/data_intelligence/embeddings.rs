//! `/api/v1/data-intelligence/embeddings`: the caller's embedding state (model, dimension,
//! per kind items, embedded and waiting) and a backfill on request (202 with the job).

use crate::common::notes::{contact, create_note};
use crate::common::setup;
const DOCUMENTS: &str = "/api/v1/data-intelligence/documents";
use omnicrm_testkit::{TestApp, TestAppOptions, TestDb};
use reqwest::StatusCode;
use serde_json::{Value, json};

const EMBEDDINGS: &str = "/api/v1/data-intelligence/embeddings";

fn kind<'a>(status: &'a Value, kind: &str) -> &'a Value {
    status["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {status:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_embedder_the_state_says_so_and_a_backfill_is_refused() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let ada = contact(&alice, "Ada").await;
    create_note(
        &alice,
        json!({"contactId": ada, "contentPlain": "sleeps badly"}),
    )
    .await;
    let status = alice.get(EMBEDDINGS).await.ok_json(StatusCode::OK);
    assert_eq!(status["semantic"], "unavailable");
    assert_eq!(status["backend"], "none");
    assert_eq!(status["model"], Value::Null);
    assert_eq!(status["dimensions"], Value::Null);
    assert_eq!(kind(&status, "note")["items"], 1);
    assert_eq!(
        kind(&status, "note")["pending"],
        1,
        "the note waits for a model"
    );
    assert_eq!(kind(&status, "note")["embedded"], 0);
    assert_eq!(
        (status["items"].as_i64(), status["pending"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(status["types"].as_array().unwrap().len(), 6);
    alice.post(&format!("{EMBEDDINGS}/backfill")).await.problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "integration_not_configured",
    );
    ctx.app
        .anonymous()
        .get(EMBEDDINGS)
        .await
        .expect(StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_embeds_the_callers_items_and_the_state_shows_it() {
    let Some(semantic) = omnicrm_testkit::semantic::local() else {
        return;
    };
    let db = TestDb::new().await.expect("test database");
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            semantic: Some(semantic),
            ..TestAppOptions::default()
        },
    )
    .await;
    let alice = app.as_user(TestApp::new_user());
    let bob = app.as_user(TestApp::new_user());
    let ada = contact(&alice, "Ada").await;
    create_note(
        &alice,
        json!({"contactId": ada, "contentPlain": "Client reports insomnia."}),
    )
    .await;
    alice
        .post_json(
            DOCUMENTS,
            &json!({"title": "Sleep hygiene", "text": "No screens after nine."}),
        )
        .await
        .expect(StatusCode::CREATED);
    contact(&bob, "Bob's client").await;

    let before = alice.get(EMBEDDINGS).await.ok_json(StatusCode::OK);
    assert_eq!(before["semantic"], "available");
    assert_eq!(before["backend"], "local");
    assert_eq!(before["model"], "all-MiniLM-L6-v2");
    assert_eq!(before["dimensions"], 384);
    assert_eq!(
        (before["items"].as_i64(), before["pending"].as_i64()),
        (Some(3), Some(3))
    );
    assert_eq!(before["embedded"], 0);
    assert_eq!(before["lastEmbeddedAt"], Value::Null);

    let job = alice
        .post(&format!("{EMBEDDINGS}/backfill"))
        .await
        .ok_json(StatusCode::ACCEPTED);
    assert_eq!(job["kind"], "embeddings.backfill");
    let again = alice
        .post(&format!("{EMBEDDINGS}/backfill"))
        .await
        .ok_json(StatusCode::ACCEPTED);
    assert_eq!(again["id"], job["id"], "one backfill at a time");
    alice
        .post("/api/v1/jobs/runner")
        .await
        .expect(StatusCode::OK);
    let done = alice
        .get(&format!("/api/v1/jobs/{}", job["id"].as_str().unwrap()))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(done["state"], "succeeded", "{done:#}");

    let after = alice.get(EMBEDDINGS).await.ok_json(StatusCode::OK);
    assert_eq!(
        (after["embedded"].as_i64(), after["pending"].as_i64()),
        (Some(3), Some(0)),
        "{after:#}"
    );
    assert_eq!(kind(&after, "document")["embedded"], 1);
    assert!(kind(&after, "document")["chunks"].as_i64().unwrap() >= 1);
    assert!(after["lastEmbeddedAt"].is_string());
    assert_eq!(after["staleChunks"], 0);
    // Bob's state is his own: his contact waits, nothing of alice's shows.
    let bobs = bob.get(EMBEDDINGS).await.ok_json(StatusCode::OK);
    assert_eq!(
        (bobs["items"].as_i64(), bobs["embedded"].as_i64()),
        (Some(1), Some(0))
    );
}
