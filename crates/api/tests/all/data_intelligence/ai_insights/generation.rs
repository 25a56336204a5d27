//! Generation without a provider: the heuristics (lead score, next best action, consent
//! gap, weekly digest) from the CRM's own rows, deduplicated; the model's kinds reported
//! skipped, never faked; one job per subject while queued.

use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::insights::{
    contact_insights, generate_for, insight_count, job, kinds, request, run_jobs,
};
use crate::common::{create_contact, named_contact, setup};

/// Interactions of `contact` as the Gmail sync writes them, `days_ago` each.
async fn interactions(
    db: &omnicrm_testkit::TestDb,
    user: omnicrm_domain::UserId,
    contact: &str,
    days_ago: &[i64],
) {
    let owner = db.owner().await.unwrap();
    for d in days_ago {
        owner
            .batch_execute(&format!(
                "INSERT INTO interactions (user_id, id, contact_id, type, subject, occurred_at, source, source_id)
                 VALUES ('{user}', gen_random_uuid(), '{contact}', 'email', 'Re: session', \
                         now() - interval '{d} days', 'gmail', gen_random_uuid()::text)"
            ))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn without_a_provider_the_heuristics_are_written_and_the_model_kinds_reported_skipped() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = create_contact(
        &alice,
        json!({"displayName": "Ada", "primaryEmail": "ada@example.com"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    interactions(&ctx.db, user, &ada, &[2, 10, 40]).await;

    let done = generate_for(&ctx.app, &alice, &ada).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let result = &done["result"];
    // The emails make a thread summary too.
    assert_eq!(result["created"], 4);
    assert_eq!(result["modelCalls"], 0);
    let skipped: Vec<&str> = result["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["summary", "next_step", "risk", "persona"]);

    let items = contact_insights(&alice, &ada).await;
    assert_eq!(
        kinds(&items),
        [
            "consent_gap",
            "lead_score",
            "next_best_action",
            "thread_summary"
        ]
    );
    let lead = items.iter().find(|i| i["kind"] == "lead_score").unwrap();
    // Seen 2 days ago (50) + 3 touches (15) + reachable (10).
    assert_eq!(lead["content"]["props"]["score"], 75);
    assert_eq!(lead["content"]["props"]["band"], "high");
    assert_eq!(lead["model"], "heuristic");
    assert_eq!(lead["promptVersion"], "heuristics-1");
    assert_eq!(lead["status"], "new");
    let gap = items.iter().find(|i| i["kind"] == "consent_gap").unwrap();
    assert_eq!(gap["content"]["props"]["consent"], "missing");
    let action = items
        .iter()
        .find(|i| i["kind"] == "next_best_action")
        .unwrap();
    assert_eq!(action["content"]["props"]["rule"], "continue");
}

#[tokio::test]
async fn unchanged_inputs_add_nothing_and_changed_ones_replace_the_unread_insight() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = named_contact(&alice, "Ada").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    interactions(&ctx.db, user, &ada, &[45]).await;

    let first = generate_for(&ctx.app, &alice, &ada).await;
    assert_eq!(first["result"]["created"], 4);
    assert_eq!(insight_count(&ctx.db, user).await, 4);
    let again = generate_for(&ctx.app, &alice, &ada).await;
    assert_eq!(again["result"]["created"], 0);
    assert_eq!(again["result"]["unchanged"], 4);
    assert_eq!(insight_count(&ctx.db, user).await, 4);

    // The practitioner dismisses the re-engage suggestion; then the client writes.
    let before = contact_insights(&alice, &ada).await;
    let action = before
        .iter()
        .find(|i| i["kind"] == "next_best_action")
        .unwrap();
    assert_eq!(action["content"]["props"]["rule"], "re_engage");
    alice
        .patch_json(
            &format!(
                "/api/v1/data-intelligence/ai-insights/{}",
                action["id"].as_str().unwrap()
            ),
            &json!({"status": "dismissed"}),
        )
        .await
        .ok_json(StatusCode::OK);
    interactions(&ctx.db, user, &ada, &[1]).await;
    let changed = generate_for(&ctx.app, &alice, &ada).await;
    // New lead score, next best action and thread summary; the consent gap is unchanged.
    assert_eq!(changed["result"]["created"], 3);
    assert_eq!(changed["result"]["unchanged"], 1);
    let after = contact_insights(&alice, &ada).await;
    // The unread lead score was replaced; the dismissed action is kept as history.
    assert_eq!(
        kinds(&after),
        [
            "consent_gap",
            "lead_score",
            "next_best_action",
            "next_best_action",
            "thread_summary"
        ]
    );
}

#[tokio::test]
async fn asking_twice_while_queued_answers_the_same_job_and_a_strangers_contact_is_404() {
    let ctx = setup().await;
    let (owner, stranger) = (TestApp::new_user(), TestApp::new_user());
    let alice = ctx.app.as_user(owner);
    let ada = named_contact(&alice, "Ada").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let one = request(&alice, json!({"subjectId": ada})).await;
    let two = request(&alice, json!({"subjectId": ada, "kinds": ["lead_score"]})).await;
    assert_eq!(one["id"], two["id"]);
    assert_eq!(one["kind"], "insights.contact");
    let practice = request(&alice, json!({})).await;
    assert_ne!(practice["id"], one["id"]);
    assert_eq!(practice["kind"], "insights.refresh");

    ctx.app
        .as_user(stranger)
        .post_json(
            "/api/v1/data-intelligence/ai-insights",
            &json!({"subjectId": ada}),
        )
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn the_practice_refresh_scores_every_contact_and_writes_one_weekly_digest() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = named_contact(&alice, "Ada").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob = named_contact(&alice, "Bob").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    interactions(&ctx.db, user, &ada, &[1, 3]).await;
    // Bob has granted consent: no gap.
    alice
        .post_json(
            &format!("/api/v1/contacts/{bob}/consents"),
            &json!({"consentType": "data_processing", "consentTextVersion": "v1", "granted": true}),
        )
        .await
        .ok_json(StatusCode::CREATED);

    let queued = request(&alice, json!({})).await;
    run_jobs(&ctx.app, user).await;
    let done = job(&alice, &queued["id"]).await;
    assert_eq!(done["state"], "succeeded", "{done}");

    assert_eq!(
        kinds(&contact_insights(&alice, &ada).await),
        [
            "consent_gap",
            "lead_score",
            "next_best_action",
            "thread_summary"
        ]
    );
    // Bob: never contacted → first contact; consent granted → no gap.
    assert_eq!(
        kinds(&contact_insights(&alice, &bob).await),
        ["lead_score", "next_best_action"]
    );
    let digest = alice
        .get("/api/v1/data-intelligence/ai-insights?kind=weekly_digest")
        .await
        .ok_json(StatusCode::OK);
    let items = digest["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let props = &items[0]["content"]["props"];
    assert_eq!(props["newContacts"], 2);
    assert!(props["interactions"].as_u64().unwrap() <= 2);
    assert_eq!(props["quietContacts"], 1);
    assert_eq!(props["consentGaps"], 1);
    assert_eq!(items[0]["subjectType"], "segment");
    assert!(items[0]["subjectId"].is_null());

    // Again: nothing new.
    let queued = request(&alice, json!({})).await;
    run_jobs(&ctx.app, user).await;
    let again = job(&alice, &queued["id"]).await;
    assert_eq!(again["result"]["created"], 0, "{again}");
}

#[tokio::test]
async fn asking_once_installs_the_users_weekly_refresh() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    request(&alice, json!({})).await;
    request(&alice, json!({})).await;
    let rows = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query(
            "SELECT kind, cron, user_id FROM job_schedules WHERE name = $1",
            &[&format!("insights-weekly:{user}")],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, String>(0), "insights.refresh");
    assert_eq!(rows[0].get::<_, String>(1), "0 6 * * 1");
    assert_eq!(rows[0].get::<_, uuid::Uuid>(2), user.into_uuid());
}
