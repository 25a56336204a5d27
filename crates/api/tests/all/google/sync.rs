//! Gmail and Calendar syncs against the fake Google: raw events stored losslessly once,
//! incremental runs, expired cursors, revocation, the 429 breaker, tenant isolation.
#![allow(
    clippy::needless_pass_by_value,
    reason = "fixture builders take the JSON they splice in by value, like json! itself reads"
)]

use std::time::{Duration, Instant};

use omnicrm_domain::google::GoogleService;
use omnicrm_testkit::{FakeMail, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::google::connect;
use crate::common::google_sync::{raw_events, run_jobs, runs, schedules, setup_sync};

fn mail(n: usize, days_ago: i64) -> FakeMail {
    FakeMail::inbox(
        &format!("Client {n} <client{n}@example.com>"),
        &format!("Session {n}"),
        days_ago,
    )
}

#[tokio::test]
async fn gmail_backfills_once_then_reads_only_changes_and_a_rerun_adds_nothing() {
    let ctx = setup_sync().await;
    let alice = TestApp::new_user();
    let mut ids = Vec::new();
    for n in 0..11 {
        ids.push(ctx.google.add_message(&mail(n, 10 + n as i64)));
    }
    // Non-ASCII name and subject travel as RFC 2047 encoded words.
    let mut zoe = mail(99, 1);
    zoe.from = "Zoë Æsir <zoe@example.com>".to_owned();
    zoe.subject = "Rückfrage zur Sitzung".to_owned();
    let zoe_id = ctx.google.add_message(&zoe);
    // Outside the 365-day window, and spam: neither is listed.
    ctx.google.add_message(&mail(50, 400));
    let mut spam = mail(51, 2);
    spam.labels = vec!["SPAM".to_owned()];
    ctx.google.add_message(&spam);

    connect(&ctx, alice, "gmail").await;
    run_jobs(&ctx, alice).await;

    let stored = raw_events(&ctx, alice, "gmail").await;
    assert_eq!(
        stored.len(),
        12,
        "11 messages + Zoë's, not the old one or spam"
    );
    let ledger = runs(&ctx, alice, "gmail").await;
    assert_eq!(ledger.len(), 1);
    let first = &ledger[0];
    assert_eq!(first["status"], "succeeded");
    assert_eq!(first["mode"], "full");
    assert_eq!(first["trigger"], "connect");
    assert_eq!(first["listed"], 12);
    assert_eq!(first["fetched"], 12);
    let run_id: uuid::Uuid = serde_json::from_value(first["id"].clone()).unwrap();
    // Lossless: the payload is Gmail's Message JSON as served; time = internalDate.
    let (_, payload, occurred, batch, status) =
        stored.iter().find(|e| e.0 == zoe_id).unwrap().clone();
    assert_eq!(payload["id"], zoe_id);
    assert_eq!(payload["payload"]["mimeType"], "multipart/alternative");
    let subject = payload["payload"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "Subject")
        .unwrap();
    assert!(subject["value"].as_str().unwrap().starts_with("=?UTF-8?B?"));
    let internal: i64 = payload["internalDate"].as_str().unwrap().parse().unwrap();
    assert_eq!(occurred, internal / 1000);
    assert_eq!(batch, Some(run_id));
    assert_eq!(
        status, "completed",
        "normalised by the job the sync enqueued"
    );

    // Changes: two new messages and a relabel; the incremental run reads only those.
    ctx.google.add_message(&mail(20, 0));
    ctx.google.add_message(&mail(21, 0));
    ctx.google.relabel_message(&ids[0], &["INBOX", "STARRED"]);
    let gets_before = ctx.google.message_gets();
    let job: Value = ctx
        .app
        .as_user(alice)
        .post_json("/api/v1/google/gmail/sync", &json!({}))
        .await
        .ok_json(StatusCode::ACCEPTED);
    assert_eq!(job["kind"], "google.sync");
    run_jobs(&ctx, alice).await;
    assert_eq!(ctx.google.message_gets() - gets_before, 3);
    let stored = raw_events(&ctx, alice, "gmail").await;
    assert_eq!(stored.len(), 14);
    let ledger = runs(&ctx, alice, "gmail").await;
    assert_eq!(ledger.len(), 2);
    assert_eq!(ledger[1]["mode"], "incremental");
    assert_eq!(ledger[1]["trigger"], "manual");
    assert_eq!(ledger[1]["listed"], 3);
    let relabelled = stored.iter().find(|e| e.0 == ids[0]).unwrap();
    assert_eq!(relabelled.1["labelIds"], json!(["INBOX", "STARRED"]));
    let second_run: uuid::Uuid = serde_json::from_value(ledger[1]["id"].clone()).unwrap();
    assert_eq!(
        relabelled.3,
        Some(second_run),
        "a changed payload joins the new batch"
    );

    // Google forgets the history: the next run is a full resync that changes nothing.
    ctx.google.expire_history();
    let before = raw_events(&ctx, alice, "gmail").await;
    ctx.app
        .as_user(alice)
        .post_json("/api/v1/google/gmail/sync", &json!({}))
        .await
        .ok_json(StatusCode::ACCEPTED);
    run_jobs(&ctx, alice).await;
    assert_eq!(raw_events(&ctx, alice, "gmail").await, before);
    let ledger = runs(&ctx, alice, "gmail").await;
    assert_eq!(ledger.len(), 3);
    assert_eq!(ledger[2]["mode"], "full");
    assert_eq!(ledger[2]["status"], "succeeded");
    assert_eq!(ledger[2]["listed"], 14);
    assert_eq!(ledger[2]["skipped"]["unchanged"], 14);

    // Bob sees none of it.
    let bob = TestApp::new_user();
    assert!(raw_events(&ctx, bob, "gmail").await.is_empty());
    let bob_status: Value = ctx
        .app
        .as_user(bob)
        .get("/api/v1/google/status")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        bob_status["services"][0]["lastSuccessfulSyncAt"],
        Value::Null
    );
    ctx.app
        .as_user(bob)
        .post_json("/api/v1/google/gmail/sync", &json!({}))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

fn event(id: &str, start: Value, end: Value, attendees: &[&str]) -> Value {
    json!({
        "id": id,
        "summary": format!("Session {id}"),
        "start": start,
        "end": end,
        "attendees": attendees.iter().map(|a| json!({"email": a, "responseStatus": "accepted"})).collect::<Vec<_>>(),
    })
}

fn at(days: i64, hour: u8) -> Value {
    let t = (time::OffsetDateTime::now_utc() + time::Duration::days(days))
        .replace_time(time::Time::from_hms(hour, 0, 0).unwrap());
    json!({"dateTime": t.format(&time::format_description::well_known::Rfc3339).unwrap(), "timeZone": "UTC"})
}

#[tokio::test]
async fn calendar_lists_a_window_then_follows_the_sync_token_with_cancellations() {
    let ctx = setup_sync().await;
    let alice = TestApp::new_user();
    for n in 0..7 {
        ctx.google.add_event(event(
            &format!("ev{n}"),
            at(n - 3, 9),
            at(n - 3, 10),
            &["client@example.com"],
        ));
    }
    ctx.google.add_event(event(
        "allday",
        json!({"date": "2026-12-24"}),
        json!({"date": "2026-12-25"}),
        &[],
    ));
    // Outside the −180/+365-day window.
    ctx.google
        .add_event(event("far", at(400, 9), at(400, 10), &[]));

    connect(&ctx, alice, "calendar").await;
    run_jobs(&ctx, alice).await;
    let stored = raw_events(&ctx, alice, "calendar").await;
    assert_eq!(stored.len(), 8);
    let allday = stored.iter().find(|e| e.0 == "allday").unwrap();
    assert_eq!(allday.2, 1_798_070_400, "all-day: the date at 00:00 UTC");
    assert_eq!(allday.1["start"], json!({"date": "2026-12-24"}));
    let ledger = runs(&ctx, alice, "calendar").await;
    assert_eq!(ledger[0]["status"], "succeeded");
    assert_eq!(ledger[0]["listed"], 8);

    // A moved and a cancelled event arrive through the sync token.
    ctx.google
        .update_event("ev1", &json!({"start": at(30, 14), "end": at(30, 15)}));
    ctx.google.cancel_event("ev2");
    ctx.app
        .as_user(alice)
        .post_json("/api/v1/google/calendar/sync", &json!({}))
        .await
        .ok_json(StatusCode::ACCEPTED);
    run_jobs(&ctx, alice).await;
    let ledger = runs(&ctx, alice, "calendar").await;
    assert_eq!(ledger[1]["mode"], "incremental");
    assert_eq!(ledger[1]["listed"], 2);
    let stored = raw_events(&ctx, alice, "calendar").await;
    assert_eq!(stored.len(), 8);
    let cancelled = stored.iter().find(|e| e.0 == "ev2").unwrap();
    assert_eq!(cancelled.1["status"], "cancelled");
    assert_eq!(
        cancelled.4, "skipped",
        "normalised again: its interaction is gone"
    );
    let moved = stored.iter().find(|e| e.0 == "ev1").unwrap();
    assert!(moved.2 > time::OffsetDateTime::now_utc().unix_timestamp() + 29 * 86_400);

    // An expired sync token (410) falls back to a full listing, which stores nothing new.
    ctx.google.expire_sync_tokens();
    ctx.app
        .as_user(alice)
        .post_json("/api/v1/google/calendar/sync", &json!({}))
        .await
        .ok_json(StatusCode::ACCEPTED);
    run_jobs(&ctx, alice).await;
    let ledger = runs(&ctx, alice, "calendar").await;
    assert_eq!(ledger[2]["mode"], "full");
    assert_eq!(ledger[2]["status"], "succeeded");
    assert_eq!(ledger[2]["skipped"]["unchanged"], ledger[2]["listed"]);
    assert_eq!(raw_events(&ctx, alice, "calendar").await, stored);
}

#[tokio::test]
async fn a_revoked_grant_stops_the_schedule_and_shows_in_status() {
    let ctx = setup_sync().await;
    let alice = TestApp::new_user();
    ctx.google.add_message(&mail(1, 1));
    connect(&ctx, alice, "gmail").await;
    assert_eq!(
        schedules(&ctx, alice).await,
        [format!("google-sync:gmail:{}", alice.into_uuid())]
    );
    run_jobs(&ctx, alice).await;
    ctx.google.revoke_all();
    ctx.google.add_message(&mail(2, 0));
    ctx.app
        .as_user(alice)
        .post_json("/api/v1/google/gmail/sync", &json!({}))
        .await
        .ok_json(StatusCode::ACCEPTED);
    run_jobs(&ctx, alice).await;
    assert!(schedules(&ctx, alice).await.is_empty());
    let status: Value = ctx
        .app
        .as_user(alice)
        .get("/api/v1/google/status")
        .await
        .ok_json(StatusCode::OK);
    let gmail = &status["services"][0];
    assert_eq!(gmail["revoked"], true);
    assert_eq!(gmail["connected"], false);
    assert_eq!(gmail["lastError"], "invalid_grant");
    assert!(gmail["lastSuccessfulSyncAt"].is_string());
    let ledger = runs(&ctx, alice, "gmail").await;
    assert_eq!(ledger.last().unwrap()["status"], "failed");
    assert_eq!(ledger.last().unwrap()["error_code"], "revoked");
    assert_eq!(raw_events(&ctx, alice, "gmail").await.len(), 1);
}

#[tokio::test]
async fn a_429_storm_opens_the_breaker_and_the_sync_finishes_after_it_closes() {
    let ctx = setup_sync().await;
    let alice = TestApp::new_user();
    for n in 0..8 {
        ctx.google.add_message(&mail(n, 1));
    }
    connect(&ctx, alice, "gmail").await;
    ctx.google.fail_api_requests(5, 429, Some(0));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut saw_open = false;
    loop {
        ctx.app.services.jobs.run_now(alice, 10).await.unwrap();
        let db = ctx.db.owner().await.unwrap();
        let open: bool = db
            .query_one(
                "SELECT breaker_open_until IS NOT NULL AND breaker_open_until > now() \
                 FROM google_sync_cursors WHERE user_id = $1 AND service = 'gmail'",
                &[&alice.into_uuid()],
            )
            .await
            .map(|r| r.get(0))
            .unwrap_or(false);
        if open {
            saw_open = true;
            let dashboard: Value = ctx
                .app
                .as_user(alice)
                .get("/api/v1/omni-connect/dashboard")
                .await
                .ok_json(StatusCode::OK);
            // Open, or already half open if the cool-down ended meanwhile.
            assert_ne!(dashboard["services"][0]["breaker"]["state"], "closed");
        }
        let ledger = runs(&ctx, alice, "gmail").await;
        if ledger.last().is_some_and(|r| r["status"] == "succeeded") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the sync never finished: {ledger:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(saw_open, "three 429s in a row open the breaker");
    assert_eq!(ctx.google.pending_api_faults(), 0);
    assert_eq!(raw_events(&ctx, alice, "gmail").await.len(), 8);
    let ledger = runs(&ctx, alice, "gmail").await;
    assert_eq!(ledger.len(), 1, "one run, resumed after each snooze");
    assert_eq!(ledger[0]["fetched"], 8);
    let dashboard: Value = ctx
        .app
        .as_user(alice)
        .get("/api/v1/omni-connect/dashboard")
        .await
        .ok_json(StatusCode::OK);
    let gmail = &dashboard["services"][0];
    assert_eq!(gmail["service"], "gmail");
    assert_eq!(gmail["breaker"]["state"], "closed");
    assert!(gmail["lastSuccessAt"].is_string());
    assert_eq!(gmail["recentRuns"][0]["fetched"], 8);
    // Bob's dashboard is empty.
    let bob: Value = ctx
        .app
        .as_user(TestApp::new_user())
        .get("/api/v1/omni-connect/dashboard")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(bob["services"][0]["recentRuns"], json!([]));
    let _ = GoogleService::Gmail;
}

#[tokio::test]
async fn gmail_fetches_through_the_batch_endpoint_and_falls_back_to_single_gets_when_it_fails() {
    let ctx = setup_sync().await;
    let alice = TestApp::new_user();
    for n in 0..12 {
        ctx.google.add_message(&mail(n, 1 + n as i64));
    }
    connect(&ctx, alice, "gmail").await;
    run_jobs(&ctx, alice).await;
    assert_eq!(raw_events(&ctx, alice, "gmail").await.len(), 12);
    assert_eq!(
        (ctx.google.batch_calls(), ctx.google.single_message_gets()),
        (3, 0),
        "pages of 5, 5 and 2 messages: one batch request each, no single fetch"
    );
    assert_eq!(ctx.google.message_gets(), 12);

    // The batch endpoint stops working: the next sync fetches singly and loses nothing.
    ctx.google.break_batch(true);
    ctx.google.add_message(&mail(20, 0));
    ctx.google.add_message(&mail(21, 0));
    ctx.app
        .as_user(alice)
        .post_json("/api/v1/google/gmail/sync", &json!({}))
        .await
        .ok_json(StatusCode::ACCEPTED);
    run_jobs(&ctx, alice).await;
    assert_eq!(raw_events(&ctx, alice, "gmail").await.len(), 14);
    assert_eq!(ctx.google.single_message_gets(), 2);
    let ledger = runs(&ctx, alice, "gmail").await;
    assert_eq!(ledger[1]["status"], "succeeded");
    assert_eq!(ledger[1]["fetched"], 2);
}
