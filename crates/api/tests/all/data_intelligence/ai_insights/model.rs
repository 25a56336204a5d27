//! The model's kinds against the fake provider: what it is sent (never a contact's email
//! or phone), dedup before the call, and the quota's and the provider's refusals
//! snoozing the job instead of failing it.

use omnicrm_testkit::{FakeReply, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::common::ai::{AiCtx, seed_contact_interaction, setup, setup_with};
use crate::common::insights::{contact_insights, insight_count, job, kinds, request, run_jobs};
use crate::common::{create_contact, named_contact};

const ANSWER: &str = r#"{"title": "Steady progress", "summary": "Sleeping better since the new routine.", "confidence": 0.7, "priority": "low"}"#;

async fn contact_with_pii(ctx: &AiCtx, user: omnicrm_domain::UserId) -> String {
    let alice = ctx.app.as_user(user);
    let ada = create_contact(
        &alice,
        json!({"displayName": "Ada", "primaryEmail": "ada.private@example.com", "primaryPhone": "+44 20 7946 0958"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    alice
        .post_json(
            "/api/v1/notes",
            &json!({"contactId": ada, "contentPlain": "Insomnia improving. Reach her at ada.notes@example.org or 415-555-0134."}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    seed_contact_interaction(
        &ctx.db,
        user,
        &ada,
        "Thanks! My other address is ada.mail@example.net, call 020 7946 0321 anytime.",
    )
    .await;
    ada
}

fn stopped_snoozed(job: &Value) -> OffsetDateTime {
    assert_eq!(job["state"], "queued", "{job}");
    let errors = job["errors"].as_array().unwrap();
    assert_eq!(errors.last().unwrap()["code"], "snoozed", "{job}");
    OffsetDateTime::parse(job["runAt"].as_str().unwrap(), &Rfc3339).unwrap()
}

#[tokio::test]
async fn the_model_kinds_are_written_from_redacted_text_and_stamped() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = contact_with_pii(&ctx, user).await;
    for _ in 0..2 {
        ctx.fake.reply_text(ANSWER);
    }
    let queued = request(
        &alice,
        json!({"subjectId": ada, "kinds": ["summary", "risk"]}),
    )
    .await;
    run_jobs(&ctx.app, user).await;
    let done = job(&alice, &queued["id"]).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["result"]["modelCalls"], 2);
    assert_eq!(ctx.fake.calls(), 2);

    let items = contact_insights(&alice, &ada).await;
    assert_eq!(kinds(&items), ["risk", "summary"]);
    for item in &items {
        assert_eq!(item["content"]["title"], "Steady progress");
        assert_eq!(item["content"]["priority"], "low");
        assert_eq!(item["promptVersion"], "insights-prompt-1");
        assert!(
            item["model"]
                .as_str()
                .is_some_and(|m| !m.is_empty() && m != "heuristic")
        );
    }

    let sent = ctx.fake.received_text();
    assert!(sent.contains("Insomnia improving"), "the note was sent");
    assert!(
        sent.contains("My other address is"),
        "the interaction was sent"
    );
    for secret in [
        "ada.private@example.com",
        "ada.notes@example.org",
        "ada.mail@example.net",
        "415-555-0134",
        "7946 0958",
        "7946 0321",
    ] {
        assert!(!sent.contains(secret), "{secret} reached the provider");
    }
    // The calls were accounted as the assistant's are.
    let usage = alice.get("/api/v1/ai/usage").await.ok_json(StatusCode::OK);
    assert_eq!(usage["monthRequests"], 2);
}

#[tokio::test]
async fn unchanged_inputs_make_no_second_provider_call() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = named_contact(&alice, "Ada").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ctx.fake.reply_text(ANSWER);
    request(&alice, json!({"subjectId": ada, "kinds": ["summary"]})).await;
    run_jobs(&ctx.app, user).await;
    assert_eq!(ctx.fake.calls(), 1);
    assert_eq!(insight_count(&ctx.db, user).await, 1);

    let queued = request(&alice, json!({"subjectId": ada, "kinds": ["summary"]})).await;
    run_jobs(&ctx.app, user).await;
    let again = job(&alice, &queued["id"]).await;
    assert_eq!(again["result"]["unchanged"], 1, "{again}");
    assert_eq!(again["result"]["modelCalls"], 0);
    assert_eq!(ctx.fake.calls(), 1, "no second provider call");
    assert_eq!(insight_count(&ctx.db, user).await, 1);

    // A new note changes the inputs: one new call.
    alice
        .post_json(
            "/api/v1/notes",
            &json!({"contactId": ada, "contentPlain": "Started yoga."}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    ctx.fake.reply_text(ANSWER);
    request(&alice, json!({"subjectId": ada, "kinds": ["summary"]})).await;
    run_jobs(&ctx.app, user).await;
    assert_eq!(ctx.fake.calls(), 2);
}

#[tokio::test]
async fn an_exhausted_quota_snoozes_the_job_until_the_month_resets() {
    let ctx = setup_with(|ai| ai.monthly_credits = Some(1)).await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = named_contact(&alice, "Ada").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ctx.fake.reply_text(ANSWER);
    let queued = request(
        &alice,
        json!({"subjectId": ada, "kinds": ["summary", "risk"]}),
    )
    .await;
    run_jobs(&ctx.app, user).await;
    let snoozed = job(&alice, &queued["id"]).await;
    let run_at = stopped_snoozed(&snoozed);
    // Until the first of next month (UTC), not a retry backoff.
    let now = OffsetDateTime::now_utc();
    assert_eq!(run_at.day(), 1, "{snoozed}");
    assert!(run_at > now);
    assert_eq!(
        ctx.fake.calls(),
        1,
        "the refused call never reached the provider"
    );
    // The kind generated before the refusal is kept.
    assert_eq!(kinds(&contact_insights(&alice, &ada).await), ["summary"]);
}

#[tokio::test]
async fn the_providers_429_snoozes_the_job_for_its_retry_after() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = named_contact(&alice, "Ada").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ctx.fake.fail_next(1, 429, Some(600));
    let queued = request(&alice, json!({"subjectId": ada, "kinds": ["persona"]})).await;
    run_jobs(&ctx.app, user).await;
    let snoozed = job(&alice, &queued["id"]).await;
    let run_at = stopped_snoozed(&snoozed);
    let wait = (run_at - OffsetDateTime::now_utc()).whole_seconds();
    assert!((500..=600).contains(&wait), "{wait} s: {snoozed}");
    assert_eq!(insight_count(&ctx.db, user).await, 0);

    // Once due again, it completes.
    ctx.fake.reply(FakeReply::Text(ANSWER.to_owned()));
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "UPDATE job_queue SET run_at = now() WHERE id = '{}'",
            queued["id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    run_jobs(&ctx.app, user).await;
    let done = job(&alice, &queued["id"]).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(kinds(&contact_insights(&alice, &ada).await), ["persona"]);
}
