//! `POST /chat/threads/{id}/messages`: the reply as JSON or streamed, usage accounting,
//! and what a missing or failing provider looks like.

use omnicrm_testkit::{TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::ai::{ask, create_thread, setup, usage};

#[tokio::test]
async fn without_a_provider_a_message_is_503_integration_not_configured() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user());
    let id = create_thread(&alice).await;
    ask(&alice, &id, "hello").await.problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "integration_not_configured",
    );
    let u = usage(&alice).await;
    assert_eq!(u["configured"], false);
}

#[tokio::test]
async fn a_reply_is_stored_and_its_tokens_and_cost_are_accounted() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let id = create_thread(&alice).await;
    ctx.fake
        .reply_text("Three clients mentioned sleep this week.");
    let reply = ask(&alice, &id, "Who mentioned sleep?")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        reply["message"]["text"],
        "Three clients mentioned sleep this week."
    );
    assert_eq!(reply["userMessage"]["text"], "Who mentioned sleep?");
    let u = usage(&alice).await;
    assert_eq!(u["configured"], true);
    assert_eq!(u["monthRequests"], 1);
    assert_eq!(u["monthCostUsdMicros"], 100);
    assert!(u["monthInputTokens"].as_i64().unwrap() > 0);
    assert!(u["monthOutputTokens"].as_i64().unwrap() > 0);
    assert_eq!(u["creditsLeft"], u["monthlyCredits"].as_i64().unwrap() - 1);
    // The model saw the system prompt and the question.
    let (path, body) = ctx.fake.requests().pop().unwrap();
    assert_eq!(path, "/chat/completions");
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][1]["content"], "Who mentioned sleep?");
}

fn events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter(|e| !e.trim().is_empty())
        .map(|e| {
            let mut name = String::new();
            let mut data = String::new();
            for line in e.lines() {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = n.to_owned();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push_str(d);
                }
            }
            (name, serde_json::from_str(&data).unwrap())
        })
        .collect()
}

#[tokio::test]
async fn with_accept_event_stream_the_reply_streams_as_server_sent_events() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let id = create_thread(&alice).await;
    ctx.fake
        .reply_text("Breathing exercises help many clients relax.");
    let res = alice
        .clone()
        .header("accept", "text/event-stream")
        .post_json(
            &format!("/api/v1/chat/threads/{id}/messages"),
            &json!({ "content": "Ideas?" }),
        )
        .await
        .expect(StatusCode::OK);
    assert!(
        res.header("content-type")
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events = events(&res.text());
    let deltas: String = events
        .iter()
        .filter(|(n, _)| n == "delta")
        .map(|(_, d)| d["text"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, "Breathing exercises help many clients relax.");
    assert!(
        events.iter().filter(|(n, _)| n == "delta").count() > 1,
        "streamed in pieces"
    );
    let (last, done) = events.last().unwrap();
    assert_eq!(last, "done");
    assert_eq!(done["message"]["text"], deltas);
    // The provider was asked to stream.
    let (_, body) = ctx.fake.requests().pop().unwrap();
    assert_eq!(body["stream"], true);
}

#[tokio::test]
async fn provider_failures_are_retried_and_its_429_becomes_our_503_with_retry_after() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let id = create_thread(&alice).await;
    // Two 500s, then success: the client retries with backoff.
    ctx.fake.fail_next(2, 500, None);
    ask(&alice, &id, "hello").await.expect(StatusCode::OK);
    assert_eq!(ctx.fake.calls(), 3);
    // A 429 is not retried: the caller gets 503 with the provider's Retry-After.
    ctx.fake.fail_next(1, 429, Some(17));
    let res = ask(&alice, &id, "again").await;
    res.problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_eq!(res.header("retry-after"), Some("17"));
    assert_eq!(ctx.fake.calls(), 4);
}
