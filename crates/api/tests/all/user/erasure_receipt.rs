//! `DELETE /api/v1/user` answers an erasure receipt, and `GET /api/v1/user/erasure-receipts/{id}`
//! shows it again to the same user only: rows removed per table, files removed, times, and
//! no trace of the user's id in clear.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use omnicrm_domain::UserId;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::setup;
use crate::common::user_data::{ERASE, confirmation, row_counts, seed};

fn removed(receipt: &Value) -> BTreeMap<String, i64> {
    serde_json::from_value(receipt["rowsRemoved"].clone()).unwrap()
}

#[tokio::test]
async fn the_erasure_answers_a_receipt_that_only_the_same_user_can_fetch_again() {
    let ctx = setup().await;
    let a = seed(&ctx, UserId::generate(), "alpha-marker").await;
    let b = seed(&ctx, UserId::generate(), "bravo-marker").await;
    let before: BTreeMap<String, i64> = row_counts(&ctx, a.user)
        .await
        .into_iter()
        // Partitions are counted through their parent (job_history).
        .filter(|(table, n)| *n > 0 && !table.starts_with("job_history_"))
        .collect();
    assert!(before["contacts"] > 0 && before["job_history"] > 0 && before["tenants"] == 1);

    let as_a = ctx.app.as_user(a.user);
    let receipt = as_a
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await
        .ok_json(StatusCode::OK);
    // Every row counted where it was, per table; the user's rate-limit counters too.
    let mut rows = removed(&receipt);
    assert!(
        rows.remove("rate_limit_counters").unwrap_or(0) >= 1,
        "{receipt}"
    );
    // The Google grant went first, through its step (revoked, then its row deleted).
    let mut before = before;
    assert_eq!(before.remove("user_integrations"), Some(1));
    assert_eq!(rows, before);
    assert_eq!(receipt["filesRemoved"], a.files.len());
    assert_eq!(
        receipt["steps"],
        serde_json::json!([{"name": "google-grants", "outcome": "succeeded", "removed": 1}])
    );
    let requested = receipt["requestedAt"].as_str().unwrap();
    let completed = receipt["completedAt"].as_str().unwrap();
    assert!(requested <= completed, "{receipt}");
    let subject = receipt["subject"].as_str().unwrap();
    assert!(!subject.contains(&a.user.to_string()) && subject.len() >= 40);

    // The same sign-in finds it again; nobody else does, and not without signing in.
    let id = receipt["id"].as_str().unwrap();
    let path = format!("/api/v1/user/erasure-receipts/{id}");
    assert_eq!(as_a.get(&path).await.ok_json(StatusCode::OK), receipt);
    ctx.app
        .as_user(b.user)
        .get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    ctx.app
        .anonymous()
        .get(&path)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    as_a.get("/api/v1/user/erasure-receipts/nope")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");

    // A second erasure gets a receipt of its own (nothing left to remove); both stay.
    let again = as_a
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await
        .ok_json(StatusCode::OK);
    assert_ne!(again["id"], receipt["id"]);
    assert_eq!(again["subject"], receipt["subject"]);
    let mut rows = removed(&again);
    rows.remove("rate_limit_counters");
    assert!(rows.is_empty(), "{again}");
    assert_eq!(again["filesRemoved"], 0);
    assert_eq!(as_a.get(&path).await.ok_json(StatusCode::OK), receipt);

    // The receipts outlive the tenant but hold the user's id nowhere in clear.
    let owner = ctx.db.owner().await.unwrap();
    let receipts: i64 = owner
        .query_one("SELECT count(*) FROM erasure_receipts", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(receipts, 2);
    let naming: i64 = owner
        .query_one(
            "SELECT count(*) FROM erasure_receipts r WHERE row_to_json(r)::text LIKE '%' || $1 || '%'",
            &[&a.user.to_string()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(naming, 0);
    // B's data is untouched.
    assert!(row_counts(&ctx, b.user).await["contacts"] > 0);
}

#[tokio::test]
async fn the_account_lists_its_receipts_newest_first_and_nobody_elses() {
    let ctx = setup().await;
    let (alice, bob) = (UserId::generate(), UserId::generate());
    let as_alice = ctx.app.as_user(alice);
    let mut ids = Vec::new();
    for _ in 0..2 {
        as_alice
            .post_json(
                "/api/v1/contacts",
                &serde_json::json!({"displayName": "Ada"}),
            )
            .await
            .ok_json(StatusCode::CREATED);
        let receipt: Value = as_alice
            .send_json(Method::DELETE, ERASE, Some(&confirmation()))
            .await
            .ok_json(StatusCode::OK);
        ids.push(receipt["id"].clone());
    }
    let listed: Value = as_alice
        .get("/api/v1/user/erasure-receipts")
        .await
        .ok_json(StatusCode::OK);
    let listed: Vec<Value> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    ids.reverse();
    assert_eq!(listed, ids);
    let others: Value = ctx
        .app
        .as_user(bob)
        .get("/api/v1/user/erasure-receipts")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(others, serde_json::json!({"items": []}));
    assert_eq!(
        ctx.app
            .anonymous()
            .get("/api/v1/user/erasure-receipts")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}
