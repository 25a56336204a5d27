//! Stale heuristics are withdrawn (ADR 0042): when a contact's insights are regenerated,
//! an unread one whose cause has gone (the suspected duplicate was changed, merged away or
//! deleted; the emails are gone) is deleted; one the practitioner has viewed, dismissed or
//! applied is their history and stays.

use omnicrm_domain::UserId;
use omnicrm_testkit::{Requester, TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::insights::{contact_insights, dispatch_refreshes, job, request, run_jobs};
use crate::common::{create_contact, setup};

async fn contact(user: &Requester<'_>, body: Value) -> String {
    create_contact(user, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn copy_of(user: &Requester<'_>, body: Value) -> String {
    user.post_json("/api/v1/contacts?allowDuplicate=true", &body)
        .await
        .ok_json(StatusCode::CREATED)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The queued jobs' delay passes and they run.
async fn later(db: &TestDb, app: &TestApp, user: UserId) {
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
    run_jobs(app, user).await;
}

async fn of_kind(user: &Requester<'_>, contact: &str, kind: &str) -> Vec<Value> {
    contact_insights(user, contact)
        .await
        .into_iter()
        .filter(|i| i["kind"] == kind)
        .collect()
}

async fn set_status(user: &Requester<'_>, insight: &Value, status: &str) {
    user.patch_json(
        &format!(
            "/api/v1/data-intelligence/ai-insights/{}",
            insight["id"].as_str().unwrap()
        ),
        &json!({ "status": status }),
    )
    .await
    .ok_json(StatusCode::OK);
}

const DUP: &str = "duplicate_contact_suspected";

#[tokio::test]
async fn an_unread_suspected_duplicate_whose_earlier_contact_changed_or_went_is_withdrawn() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = contact(
        &alice,
        json!({"displayName": "Ada Lovelace", "primaryEmail": "ada@example.com"}),
    )
    .await;
    let jon = contact(
        &alice,
        json!({"displayName": "Jon Smith", "primaryPhone": "+1 (202) 555-0143"}),
    )
    .await;
    let cy = contact(&alice, json!({"displayName": "Cyrus Hightower"})).await;
    let ada_copy = copy_of(
        &alice,
        json!({"displayName": "A. King", "primaryEmail": "ADA@example.com"}),
    )
    .await;
    let jon_copy = copy_of(
        &alice,
        json!({"displayName": "Jonathan Q", "primaryPhone": "202.555.0143"}),
    )
    .await;
    let cy_copy = copy_of(&alice, json!({"displayName": "Cyrus Hightower"})).await;
    later(&ctx.db, &ctx.app, user).await;
    for c in [&ada_copy, &jon_copy, &cy_copy] {
        assert_eq!(of_kind(&alice, c, DUP).await.len(), 1, "{c}");
    }
    // The practitioner has read the suspicion about Jon's copy.
    set_status(&alice, &of_kind(&alice, &jon_copy, DUP).await[0], "viewed").await;

    // Ada's email changes, Jon and Cy are deleted.
    alice
        .patch_json(
            &format!("/api/v1/contacts/{ada}"),
            &json!({"primaryEmail": "lovelace@example.org"}),
        )
        .await
        .ok_json(StatusCode::OK);
    for gone in [&jon, &cy] {
        alice
            .delete(&format!("/api/v1/contacts/{gone}"))
            .await
            .expect(StatusCode::NO_CONTENT);
    }
    later(&ctx.db, &ctx.app, user).await;
    assert!(of_kind(&alice, &ada_copy, DUP).await.is_empty());
    assert!(of_kind(&alice, &cy_copy, DUP).await.is_empty());
    let kept = of_kind(&alice, &jon_copy, DUP).await;
    assert_eq!(kept.len(), 1, "the viewed one is history");
    assert_eq!(kept[0]["status"], "viewed");
    // The other heuristics of the copies are still there.
    assert_eq!(of_kind(&alice, &ada_copy, "lead_score").await.len(), 1);
}

#[tokio::test]
async fn a_requested_regeneration_withdraws_an_unread_thread_summary_without_emails() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = contact(&alice, json!({"displayName": "Ada"})).await;
    let bea = contact(&alice, json!({"displayName": "Bea"})).await;
    for c in [&ada, &bea] {
        ctx.db
            .owner()
            .await
            .unwrap()
            .batch_execute(&format!(
                "INSERT INTO interactions (user_id, id, contact_id, type, subject, occurred_at, source, \
                                           source_id, source_meta)
                 VALUES ('{user}', gen_random_uuid(), '{c}', 'email', 'Session times', \
                         now() - interval '2 days', 'gmail', gen_random_uuid()::text, \
                         '{{\"threadId\": \"t-{c}\", \"direction\": \"inbound\"}}')"
            ))
            .await
            .unwrap();
    }
    for c in [&ada, &bea] {
        let queued = request(&alice, json!({"subjectId": c, "kinds": ["thread_summary"]})).await;
        run_jobs(&ctx.app, user).await;
        assert_eq!(job(&alice, &queued["id"]).await["result"]["created"], 1);
    }
    set_status(
        &alice,
        &of_kind(&alice, &bea, "thread_summary").await[0],
        "dismissed",
    )
    .await;

    // The emails are deleted (the mailbox disconnected): no thread to summarise.
    ctx.db
        .owner()
        .await
        .unwrap()
        .execute(
            "DELETE FROM interactions WHERE user_id = $1",
            &[&user.into_uuid()],
        )
        .await
        .unwrap();
    for c in [&ada, &bea] {
        let queued = request(&alice, json!({"subjectId": c, "kinds": ["thread_summary"]})).await;
        run_jobs(&ctx.app, user).await;
        let done = job(&alice, &queued["id"]).await;
        assert_eq!(done["state"], "succeeded", "{done:#}");
        let withdrawn = if c == &ada { 1 } else { 0 };
        assert_eq!(done["result"]["withdrawn"], withdrawn, "{done:#}");
    }
    assert!(of_kind(&alice, &ada, "thread_summary").await.is_empty());
    let kept = of_kind(&alice, &bea, "thread_summary").await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["status"], "dismissed");
}
