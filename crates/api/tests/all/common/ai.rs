//! Fixtures of the AI tests: an app pointed at a fake OpenAI-compatible provider, threads,
//! and rows of tables whose writers live elsewhere (interactions come from the Google sync).

use omnicrm_domain::UserId;
use omnicrm_testkit::{FakeAi, Requester, TestAi, TestApp, TestAppOptions, TestDb};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// A database, the app over it and the fake provider it talks to.
pub struct AiCtx {
    pub db: TestDb,
    pub app: TestApp,
    pub fake: FakeAi,
}

/// An app whose AI provider is a fresh fake, with `limits` applied to its settings.
pub async fn setup_with(limits: impl FnOnce(&mut TestAi)) -> AiCtx {
    let fake = FakeAi::start().await;
    let mut ai = fake.options();
    limits(&mut ai);
    let db = TestDb::new().await.expect("test database");
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            ai,
            ..TestAppOptions::default()
        },
    )
    .await;
    AiCtx { db, app, fake }
}

/// An app with a fake provider and generous limits.
pub async fn setup() -> AiCtx {
    setup_with(|_| {}).await
}

/// Creates a thread and returns its id.
pub async fn create_thread(user: &Requester<'_>) -> String {
    let t = user
        .post_json("/api/v1/chat/threads", &json!({ "title": "Today" }))
        .await
        .ok_json(StatusCode::CREATED);
    t["id"].as_str().unwrap().to_owned()
}

/// Posts a message to a thread (plain JSON answer).
pub async fn ask(user: &Requester<'_>, thread: &str, text: &str) -> omnicrm_testkit::TestResponse {
    user.post_json(
        &format!("/api/v1/chat/threads/{thread}/messages"),
        &json!({ "content": text }),
    )
    .await
}

/// An interaction of `contact` inserted as the database owner (as the Gmail sync would).
pub async fn seed_contact_interaction(db: &TestDb, user: UserId, contact: &str, body: &str) {
    let id = Uuid::now_v7();
    db.owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}') ON CONFLICT DO NOTHING;
             INSERT INTO interactions (user_id, id, contact_id, type, subject, body_text, occurred_at, source, source_id)
             VALUES ('{user}', '{id}', '{contact}', 'email', 'Re: session', $t${body}$t$, now(), 'gmail', '{id}')"
        ))
        .await
        .unwrap();
}

/// Runs `sql` as the database owner.
pub async fn owner_exec(db: &TestDb, sql: &str) {
    db.owner().await.unwrap().batch_execute(sql).await.unwrap();
}

/// The user's AI usage.
pub async fn usage(user: &Requester<'_>) -> Value {
    user.get("/api/v1/ai/usage").await.ok_json(StatusCode::OK)
}
