//! Hide-first erasure of a large account (ADR 0033): `DELETE /api/v1/user` hides the
//! account at once (`202`; from then on the user works on an empty account and never sees
//! the old rows again) and the job `user_data.erase` deletes them in batches, resumable
//! after a crash, then completes the receipt.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use omnicrm_domain::UserId;
use omnicrm_testkit::{TEST_CRON_SECRET, TestApp, TestAppOptions, TestDb};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::Ctx;
use crate::common::user_data::{ERASE, confirmation, file_path, row_counts, seed};

/// An app that takes the batched path for every account (the threshold is 20,000 rows).
async fn batched() -> Ctx {
    let db = TestDb::new().await.expect("test database");
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            erasure_sync_rows: Some(0),
            ..TestAppOptions::default()
        },
    )
    .await;
    Ctx { db, app }
}

async fn drain(ctx: &Ctx) -> Value {
    ctx.app
        .with_bearer(TEST_CRON_SECRET)
        .post("/api/v1/cron/process-jobs")
        .await
        .ok_json(StatusCode::OK)
}

fn non_zero(counts: BTreeMap<String, i64>) -> BTreeMap<String, i64> {
    counts.into_iter().filter(|(_, n)| *n > 0).collect()
}

async fn contact_names(as_user: &omnicrm_testkit::Requester<'_>) -> Vec<String> {
    let list: Value = as_user
        .get("/api/v1/contacts")
        .await
        .ok_json(StatusCode::OK);
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["displayName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_large_account_is_hidden_at_once_and_gone_once_its_job_ran() {
    let ctx = batched().await;
    let alice = seed(&ctx, UserId::generate(), "alpha-marker").await;
    let bob = seed(&ctx, UserId::generate(), "bravo-marker").await;
    let as_alice = ctx.app.as_user(alice.user);
    assert_eq!(contact_names(&as_alice).await.len(), 1);

    let res = as_alice
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let location = res.header("location").unwrap().to_owned();
    let receipt: Value = res.json();
    assert_eq!(
        location,
        format!(
            "/api/v1/user/erasure-receipts/{}",
            receipt["id"].as_str().unwrap()
        )
    );
    assert!(receipt["jobId"].is_string(), "{receipt}");
    assert!(receipt["completedAt"].is_null(), "{receipt}");
    assert_eq!(receipt["rowsRemoved"]["contacts"], 1, "{receipt}");

    // Hidden at once: the rows still exist (the job has not run) but the user reads and
    // writes as a new, empty account, and never sees the old rows again.
    assert!(row_counts(&ctx, alice.user).await["contacts"] == 1);
    assert!(contact_names(&as_alice).await.is_empty());
    for path in [
        "/api/v1/notes",
        "/api/v1/omni-momentum/tasks",
        "/api/v1/jobs",
    ] {
        let page: Value = as_alice.get(path).await.ok_json(StatusCode::OK);
        assert_eq!(
            page["items"].as_array().map(Vec::len),
            Some(0),
            "{path}: {page}"
        );
    }
    as_alice
        .post_json("/api/v1/contacts", &json!({"displayName": "Fresh start"}))
        .await
        .ok_json(StatusCode::CREATED);
    assert_eq!(contact_names(&as_alice).await, ["Fresh start"]);
    // Services handed the old tenant id (a request that resolved it just before the
    // erasure) see nothing and cannot write there either.
    let stale = ctx.app.services.contacts.clone();
    assert!(
        stale
            .create(
                alice.user,
                serde_json::from_value(json!({"displayName": "Zombie"})).unwrap(),
                true
            )
            .await
            .is_err()
    );

    // The job deletes every old row, then the files, and completes the receipt.
    let drained = drain(&ctx).await;
    assert!(drained["succeeded"].as_u64().unwrap() >= 1, "{drained}");
    assert_eq!(
        non_zero(row_counts(&ctx, alice.user).await),
        BTreeMap::new()
    );
    for key in alice.files.keys() {
        assert!(!file_path(&ctx, key).exists(), "{key} survived");
    }
    let done: Value = as_alice.get(&location).await.ok_json(StatusCode::OK);
    assert!(done["completedAt"].is_string(), "{done}");
    assert_eq!(done["filesRemoved"], alice.files.len());
    assert_eq!(done["id"], receipt["id"]);
    assert_eq!(done["jobId"], receipt["jobId"]);
    // The fresh account is untouched, and so is Bob.
    assert_eq!(contact_names(&as_alice).await, ["Fresh start"]);
    assert_eq!(contact_names(&ctx.app.as_user(bob.user)).await.len(), 1);
    assert!(bob.files.keys().all(|k| file_path(&ctx, k).exists()));

    // The fresh tenant can be erased again (this time in one go or batched alike).
    let again = as_alice
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    drain(&ctx).await;
    assert!(contact_names(&as_alice).await.is_empty());
}

#[tokio::test]
async fn an_erasure_job_whose_worker_died_midway_is_resumed_and_completes() {
    let ctx = batched().await;
    let alice = seed(&ctx, UserId::generate(), "alpha-marker").await;
    let as_alice = ctx.app.as_user(alice.user);
    let receipt: Value = as_alice
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await
        .ok_json(StatusCode::ACCEPTED);
    let job = uuid::Uuid::parse_str(receipt["jobId"].as_str().unwrap()).unwrap();

    // A worker claimed the job, deleted part of the rows and died: its lease expired.
    let owner = ctx.db.owner().await.unwrap();
    owner
        .batch_execute(&format!(
            "DELETE FROM notes WHERE user_id = '{u}';
             UPDATE job_queue SET state = 'running', attempts = 1, lease_owner = 'dead-worker',
                 lease_token = gen_random_uuid(), lease_expires_at = now() - interval '1 second'
             WHERE id = '{job}'",
            u = alice.user
        ))
        .await
        .unwrap();

    let drained = drain(&ctx).await;
    assert!(drained["succeeded"].as_u64().unwrap() >= 1, "{drained}");
    assert_eq!(
        non_zero(row_counts(&ctx, alice.user).await),
        BTreeMap::new()
    );
    let done: Value = as_alice
        .get(&format!(
            "/api/v1/user/erasure-receipts/{}",
            receipt["id"].as_str().unwrap()
        ))
        .await
        .ok_json(StatusCode::OK);
    assert!(done["completedAt"].is_string(), "{done}");
    assert_eq!(done["rowsRemoved"], receipt["rowsRemoved"]);
}
