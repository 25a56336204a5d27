//! Queued captures: `GET /inbox/queue` and the cron drain `POST /cron/process-inbox`, which
//! files each queued item's suggestions as awaiting approval.

use super::{INBOX, capture, item_path};
use crate::common::setup;
use crate::common::tasks::TASKS;
use omnicrm_testkit::{TEST_CRON_SECRET, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CRON: &str = "/api/v1/cron/process-inbox";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_captures_become_suggestions_when_the_cron_drain_runs() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let queued = alice
        .post_json(INBOX, &json!({"rawText": "- a\n- b", "queue": true}))
        .await
        .ok_json(StatusCode::CREATED);
    assert!(queued["queuedAt"].is_string());
    let plain = capture(&alice, "not queued").await;
    assert_eq!(plain["queuedAt"], json!(null));
    bob.post_json(INBOX, &json!({"rawText": "c", "queue": true}))
        .await
        .ok_json(StatusCode::CREATED);
    let q = alice
        .get(&format!("{INBOX}/queue"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(q["totalQueued"], 1);
    assert!(q["oldestQueuedAt"].is_string());

    // The drain takes the cron secret.
    let res = ctx.app.anonymous().post(CRON).await;
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    alice
        .post(CRON)
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    let cron = ctx.app.with_bearer(TEST_CRON_SECRET);
    cron.post_json(CRON, &json!({"limit": 0}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    let summary: Value = cron.post(CRON).await.ok_json(StatusCode::OK);
    assert_eq!(
        summary,
        json!({"processed": 2, "succeeded": 2, "failed": 0})
    );

    let item = alice.get(&item_path(&queued)).await.ok_json(StatusCode::OK);
    assert_eq!(item["status"], "processed");
    assert_eq!(item["queuedAt"], json!(null));
    assert_eq!(item["taskIds"].as_array().unwrap().len(), 2);
    let pending = alice
        .get(&format!("{TASKS}/pending-approval"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(pending["pagination"]["total"], 2);
    assert_eq!(
        alice.get(&item_path(&plain)).await.ok_json(StatusCode::OK)["status"],
        "unprocessed"
    );
    let q = alice
        .get(&format!("{INBOX}/queue"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(q, json!({"totalQueued": 0, "oldestQueuedAt": null}));
    let bobs = bob
        .get(&format!("{TASKS}/pending-approval"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(bobs["pagination"]["total"], 1);
    // Nothing is left to do.
    let summary: Value = cron.post(CRON).await.ok_json(StatusCode::OK);
    assert_eq!(
        summary,
        json!({"processed": 0, "succeeded": 0, "failed": 0})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_item_processed_by_hand_first_is_left_alone_by_the_job() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let queued = alice
        .post_json(INBOX, &json!({"rawText": "one thing", "queue": true}))
        .await
        .ok_json(StatusCode::CREATED);
    alice
        .post_json(
            &format!("{INBOX}/process"),
            &json!({"itemId": queued["id"]}),
        )
        .await
        .ok_json(StatusCode::OK);
    let summary: Value = ctx
        .app
        .with_bearer(TEST_CRON_SECRET)
        .post(CRON)
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(summary["succeeded"], 1);
    let pending = alice
        .get(&format!("{TASKS}/pending-approval"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(pending["pagination"]["total"], 0);
    assert_eq!(
        alice.get(TASKS).await.ok_json(StatusCode::OK)["pagination"]["total"],
        1
    );
}
