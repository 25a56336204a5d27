//! Insights follow the writes (ADR 0042): a change to a contact's data (the contact, a
//! note, an interaction, a linked task, a consent) queues one delayed `insights.contact`
//! job for it in the writing transaction, and the heuristics are brought up to date
//! without anyone asking.

use omnicrm_domain::UserId;
use omnicrm_testkit::{Requester, TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::create_contact;
use crate::common::insights::{contact_insights, dispatch_refreshes, run_jobs};
use crate::common::{Ctx, setup};

/// The contact's queued or running automatic refreshes once the writes so far are
/// dispatched: `(unique key, state, seconds until it runs)`.
async fn refreshes(ctx: &Ctx, contact: &str) -> Vec<(String, String, i64)> {
    dispatch_refreshes(&ctx.app).await;
    ctx.db
        .owner()
        .await
        .unwrap()
        .query(
            "SELECT unique_key, state, extract(epoch FROM run_at - now())::bigint \
             FROM job_queue WHERE kind = 'insights.contact' AND payload ->> 'contactId' = $1 \
             ORDER BY unique_key",
            &[&contact],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// The debounce delay passes: the user's queued jobs are due.
async fn time_passes(db: &TestDb, app: &TestApp, user: UserId) {
    dispatch_refreshes(app).await;
    db.owner()
        .await
        .unwrap()
        .execute(
            "UPDATE job_queue SET run_at = now() WHERE user_id = $1 AND state = 'queued'",
            &[&user.into_uuid()],
        )
        .await
        .unwrap();
}

async fn note(user: &Requester<'_>, contact: &str, text: &str) {
    user.post_json(
        "/api/v1/notes",
        &json!({"contactId": contact, "contentPlain": text}),
    )
    .await
    .ok_json(StatusCode::CREATED);
}

fn of_kind<'a>(items: &'a [Value], kind: &str) -> Vec<&'a Value> {
    items.iter().filter(|i| i["kind"] == kind).collect()
}

#[tokio::test]
async fn writes_to_a_contacts_data_refresh_its_heuristics_without_a_request() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = create_contact(&alice, json!({"displayName": "Ada"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The new contact queued one refresh, a few minutes later.
    let queued = refreshes(&ctx, &ada).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].0, format!("insights.auto:{ada}"));
    assert_eq!(queued[0].1, "queued");
    assert!((100..=200).contains(&queued[0].2), "{queued:?}");

    // Many writes, still one job: two notes, an email, a linked task, a refused consent.
    note(&alice, &ada, "First session booked.").await;
    note(&alice, &ada, "Sleeping badly.").await;
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO interactions (user_id, id, contact_id, type, subject, occurred_at, source, source_id)
             VALUES ('{user}', gen_random_uuid(), '{ada}', 'email', 'Hello', now() - interval '1 day',
                     'manual', gen_random_uuid()::text)"
        ))
        .await
        .unwrap();
    alice
        .post_json(
            "/api/v1/omni-momentum/tasks",
            &json!({"name": "Send intake form", "contactIds": [ada]}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    alice
        .post_json(
            &format!("/api/v1/contacts/{ada}/consents"),
            &json!({"consentType": "data_processing", "consentTextVersion": "v1", "granted": false}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    assert_eq!(refreshes(&ctx, &ada).await.len(), 1);
    // Nothing ran yet: no insight before the delay.
    run_jobs(&ctx.app, user).await;
    assert!(contact_insights(&alice, &ada).await.is_empty());

    time_passes(&ctx.db, &ctx.app, user).await;
    run_jobs(&ctx.app, user).await;
    assert!(refreshes(&ctx, &ada).await.is_empty());
    let items = contact_insights(&alice, &ada).await;
    let score = of_kind(&items, "lead_score");
    assert_eq!(score.len(), 1, "{items:#?}");
    // Touched this week (50), three touches (15), unreachable.
    assert_eq!(score[0]["content"]["props"]["score"], 65, "{:#}", score[0]);
    assert_eq!(score[0]["content"]["props"]["touches90d"], 3);
    let action = of_kind(&items, "next_best_action");
    assert_eq!(action.len(), 1, "{items:#?}");
    assert_eq!(action[0]["content"]["props"]["rule"], "open_tasks");
    let gap = of_kind(&items, "consent_gap");
    assert_eq!(gap.len(), 1, "{items:#?}");
    assert_eq!(
        gap[0]["content"]["priority"], "high",
        "refused: {:#}",
        gap[0]
    );

    // The next write queues the next refresh; the new score replaces the unread one.
    alice
        .patch_json(
            &format!("/api/v1/contacts/{ada}"),
            &json!({"primaryEmail": "ada@example.com"}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(refreshes(&ctx, &ada).await.len(), 1);
    time_passes(&ctx.db, &ctx.app, user).await;
    run_jobs(&ctx.app, user).await;
    let items = contact_insights(&alice, &ada).await;
    let score = of_kind(&items, "lead_score");
    assert_eq!(score.len(), 1, "{items:#?}");
    assert_eq!(score[0]["content"]["props"]["score"], 75);

    // No request was made: no weekly schedule was installed.
    let schedules: i64 = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM job_schedules WHERE user_id = $1",
            &[&user.into_uuid()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(schedules, 0);
}

#[tokio::test]
async fn a_rolled_back_write_queues_nothing_and_a_write_during_a_run_queues_one_more() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = create_contact(&alice, json!({"displayName": "Ada"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A contact and its note written and rolled back: no job about it.
    let owner = ctx.db.owner().await.unwrap();
    let gone = uuid::Uuid::now_v7().to_string();
    owner
        .batch_execute(&format!(
            "BEGIN;
             INSERT INTO contacts (user_id, id, display_name) VALUES ('{user}', '{gone}', 'Bea');
             INSERT INTO notes (user_id, id, contact_id, content_plain)
                 VALUES ('{user}', gen_random_uuid(), '{gone}', 'Met at the fair');
             ROLLBACK;"
        ))
        .await
        .unwrap();
    assert!(refreshes(&ctx, &gone).await.is_empty());

    // The queued refresh starts; a write made meanwhile may not be seen by it, so one
    // more is queued, and only one however many writes follow.
    owner
        .execute(
            "UPDATE job_queue SET state = 'running', attempts = 1, lease_owner = 'test', \
                    lease_token = gen_random_uuid(), lease_expires_at = now() + interval '1 hour', \
                    running_concurrency = concurrency_key \
             WHERE payload ->> 'contactId' = $1",
            &[&ada],
        )
        .await
        .unwrap();
    note(&alice, &ada, "Called back.").await;
    note(&alice, &ada, "Booked again.").await;
    let queued = refreshes(&ctx, &ada).await;
    assert_eq!(
        queued
            .iter()
            .map(|(k, s, _)| (k.clone(), s.clone()))
            .collect::<Vec<_>>(),
        [
            (format!("insights.auto:{ada}"), "running".to_owned()),
            (format!("insights.auto:{ada}:next"), "queued".to_owned()),
        ]
    );
}

#[tokio::test]
async fn writers_about_the_same_contact_never_wait_for_each_other() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = create_contact(&alice, json!({"displayName": "Ada"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Ada's refresh has run: the next write finds no job to join.
    dispatch_refreshes(&ctx.app).await;
    let owner = ctx.db.owner().await.unwrap();
    owner
        .execute(
            "DELETE FROM job_queue WHERE payload ->> 'contactId' = $1",
            &[&ada],
        )
        .await
        .unwrap();

    // A long writer (a sync chunk) has written about Ada and not committed yet; another
    // writer about Ada must not queue behind it (nor deadlock with it in another order).
    let chunk = ctx.db.owner().await.unwrap();
    let email = |subject: &str| {
        format!(
            "INSERT INTO interactions (user_id, id, contact_id, type, subject, occurred_at, source, source_id)
             VALUES ('{user}', gen_random_uuid(), '{ada}', 'email', '{subject}', now(), 'manual',
                     gen_random_uuid()::text);"
        )
    };
    chunk
        .batch_execute(&format!("BEGIN; {}", email("First")))
        .await
        .unwrap();
    let other = ctx.db.owner().await.unwrap();
    other
        .batch_execute(&format!(
            "SET lock_timeout = '2s'; BEGIN; {} COMMIT;",
            email("Second")
        ))
        .await
        .expect("the second writer waited for the first");
    chunk.batch_execute("COMMIT").await.unwrap();

    // Both writes are read by one refresh.
    let queued = refreshes(&ctx, &ada).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].0, format!("insights.auto:{ada}"));
    assert_eq!(queued[0].1, "queued");
}

#[tokio::test]
async fn the_models_kinds_follow_the_writes_only_where_the_user_asked_for_them() {
    const ANSWER: &str = r#"{"title": "Steady", "summary": "Sleeping better.", "confidence": 0.7, "priority": "low"}"#;
    let ctx = crate::common::ai::setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = create_contact(&alice, json!({"displayName": "Ada"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bea = create_contact(&alice, json!({"displayName": "Bea"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Alice asks for Ada's summary once.
    ctx.fake.reply_text(ANSWER);
    crate::common::insights::request(&alice, json!({"subjectId": ada, "kinds": ["summary"]})).await;
    run_jobs(&ctx.app, user).await;
    assert_eq!(ctx.fake.calls(), 1);

    // Notes about both: Ada's summary is refreshed (one call), Bea gets heuristics only.
    note(&alice, &ada, "Slept through the night.").await;
    note(&alice, &bea, "First call.").await;
    ctx.fake.reply_text(ANSWER);
    time_passes(&ctx.db, &ctx.app, user).await;
    run_jobs(&ctx.app, user).await;
    assert_eq!(ctx.fake.calls(), 2, "only Ada's summary was asked for");
    assert!(
        ctx.fake
            .received_text()
            .contains("Slept through the night."),
        "the refreshed summary read the new note"
    );
    let on_ada = contact_insights(&alice, &ada).await;
    assert_eq!(of_kind(&on_ada, "summary").len(), 1, "{on_ada:#?}");
    assert_eq!(of_kind(&on_ada, "lead_score").len(), 1, "{on_ada:#?}");
    let on_bea = contact_insights(&alice, &bea).await;
    assert!(of_kind(&on_bea, "summary").is_empty(), "{on_bea:#?}");
    assert_eq!(of_kind(&on_bea, "lead_score").len(), 1, "{on_bea:#?}");
}
