//! Embeddings through the AI provider (`OMNICRM_EMBED_BACKEND=provider`), against the fake
//! provider's deterministic vectors: items and queries are embedded by it, only redacted
//! text reaches it, each call is accounted in `ai_usage`, and its 429 or a spent limit
//! snoozes the embedding job instead of failing it.

use crate::common::ai::{AiCtx, setup_with, usage};
use crate::common::notes::{contact, create_note};
const DOCUMENTS: &str = "/api/v1/data-intelligence/documents";
use omnicrm_testkit::{FAKE_AI_KEY, Requester, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

const EMBEDDINGS: &str = "/api/v1/data-intelligence/embeddings";

async fn provider_app(limits: impl FnOnce(&mut omnicrm_testkit::TestAi)) -> AiCtx {
    setup_with(|ai| {
        ai.embed_dimensions = Some(omnicrm_testkit::FAKE_EMBED_DIMENSIONS);
        limits(ai);
    })
    .await
}

fn embedding_calls(ctx: &AiCtx) -> Vec<Value> {
    ctx.fake
        .requests()
        .into_iter()
        .filter(|(path, _)| path == "/embeddings")
        .map(|(_, body)| body)
        .collect()
}

/// Requests a backfill and runs the caller's jobs once; the job as it then is.
async fn backfill_once(user: &Requester<'_>) -> Value {
    let job = user
        .post(&format!("{EMBEDDINGS}/backfill"))
        .await
        .ok_json(StatusCode::ACCEPTED);
    user.post("/api/v1/jobs/runner")
        .await
        .expect(StatusCode::OK);
    user.get(&format!("/api/v1/jobs/{}", job["id"].as_str().unwrap()))
        .await
        .ok_json(StatusCode::OK)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_embeds_redacted_text_is_accounted_and_answers_semantic_search() {
    let ctx = provider_app(|_| {}).await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = contact(&alice, "Ada").await;
    create_note(
        &alice,
        json!({"contactId": ada, "contentPlain": "Call her on (555) 123-4567 about insomnia."}),
    )
    .await;
    let doc = alice
        .post_json(
            DOCUMENTS,
            &json!({"title": "Referral letter",
                    "text": "Write to ada.lovelace@example.com or call +1 202 555 0143; card 4111 1111 1111 1111."}),
        )
        .await
        .ok_json(StatusCode::CREATED);

    let status = alice.get(EMBEDDINGS).await.ok_json(StatusCode::OK);
    assert_eq!(status["backend"], "provider");
    assert_eq!(status["model"], "openai/text-embedding-3-small");
    assert_eq!(status["dimensions"], 8);
    assert_eq!(status["pending"], 3);

    let job = backfill_once(&alice).await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    let calls = embedding_calls(&ctx);
    assert!(!calls.is_empty());
    assert!(
        calls
            .iter()
            .all(|c| c["model"] == "openai/text-embedding-3-small")
    );
    let seen = ctx.fake.received_text();
    for secret in [
        "ada.lovelace@example.com",
        "123-4567",
        "555 0143",
        "4111 1111",
        FAKE_AI_KEY,
    ] {
        assert!(
            !seen.contains(secret),
            "{secret} reached the provider: {seen}"
        );
    }
    assert!(
        seen.contains("insomnia") && seen.contains("[EMAIL]"),
        "{seen}"
    );
    let after = alice.get(EMBEDDINGS).await.ok_json(StatusCode::OK);
    assert_eq!(
        (after["embedded"].as_i64(), after["pending"].as_i64()),
        (Some(3), Some(0)),
        "{after:#}"
    );

    // Semantic search embeds the query with the provider too, and finds the document.
    let before = embedding_calls(&ctx).len();
    let answer = alice
        .get("/api/v1/search?q=referral%20letter&type=semantic&types=document")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(answer["semantic"], "available");
    assert_eq!(answer["results"][0]["id"], doc["id"], "{answer:#}");
    let calls = embedding_calls(&ctx);
    assert_eq!(calls.len(), before + 1);
    assert_eq!(calls[before]["input"], json!(["referral letter"]));
    // The same query again (as a hybrid search, or the next page) spends nothing more.
    let again = alice
        .get("/api/v1/search?q=referral%20letter&type=hybrid&types=document")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(again["results"][0]["id"], doc["id"], "{again:#}");
    let calls = embedding_calls(&ctx);
    assert_eq!(calls.len(), before + 1, "the query was embedded twice");

    // Every call is in the user's usage, and nobody else's.
    let used = usage(&alice).await;
    assert_eq!(
        used["monthRequests"].as_i64(),
        Some(calls.len() as i64),
        "{used:#}"
    );
    assert!(used["monthInputTokens"].as_i64().unwrap() > 0);
    let bob = ctx.app.as_user(TestApp::new_user());
    assert_eq!(usage(&bob).await["monthRequests"], 0);
    // Another user's identical search is embedded for them: no tenant's queries answer
    // another's, not even by being faster.
    bob.get("/api/v1/search?q=referral%20letter&type=semantic")
        .await
        .expect(StatusCode::OK);
    assert_eq!(embedding_calls(&ctx).len(), calls.len() + 1);
    assert_eq!(usage(&bob).await["monthRequests"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_429_snoozes_the_embedding_job_which_then_finishes() {
    let ctx = provider_app(|_| {}).await;
    let alice = ctx.app.as_user(TestApp::new_user());
    contact(&alice, "Ada").await;
    ctx.fake.fail_next(1, 429, Some(120));
    let job = backfill_once(&alice).await;
    assert_eq!(job["state"], "queued", "snoozed, not failed: {job:#}");
    assert_eq!(job["attempts"], 0, "a snooze spends no attempt: {job:#}");
    let last = job["errors"].as_array().unwrap().last().unwrap().clone();
    // The job's history shows the code only: the reason stays in the worker's log (job
    // errors never carry upstream text to the client).
    assert_eq!(last["code"], "snoozed", "{job:#}");
    let run_at = time::OffsetDateTime::parse(
        job["runAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(
        run_at > time::OffsetDateTime::now_utc() + time::Duration::seconds(100),
        "{job:#}"
    );
    assert_eq!(
        alice.get(EMBEDDINGS).await.ok_json(StatusCode::OK)["pending"],
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_ai_limit_snoozes_the_embedding_job_without_calling_the_provider() {
    let ctx = provider_app(|ai| ai.monthly_credits = Some(0)).await;
    let alice = ctx.app.as_user(TestApp::new_user());
    contact(&alice, "Ada").await;
    let job = backfill_once(&alice).await;
    assert_eq!(job["state"], "queued", "{job:#}");
    let last = job["errors"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["code"], "snoozed", "{job:#}");
    // Until the month's credits come back (the first of next month, UTC).
    let run_at = time::OffsetDateTime::parse(
        job["runAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(run_at.day(), 1, "{job:#}");
    assert!(embedding_calls(&ctx).is_empty());
    // Search still answers, lexically, and says semantic took no part.
    let answer = alice
        .get("/api/v1/search?q=ada&type=hybrid")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(answer["semantic"], "unavailable");
    assert_eq!(answer["results"][0]["type"], "contact");
    assert!(embedding_calls(&ctx).is_empty());
}
