//! `DELETE /api/v1/user`: no row and no file of the user left, everyone else spared, the exact confirmation needed.

use crate::common::named_contact;
use crate::common::user_data::*;
use crate::common::{Ctx, setup};
use omnicrm_domain::UserId;
use omnicrm_testkit::pointers;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;

fn user_dir(ctx: &Ctx, user: UserId) -> PathBuf {
    ctx.app.files_dir.path().join(user.to_string())
}

#[tokio::test]
async fn erasure_leaves_no_row_and_no_file_of_the_user_and_spares_everyone_else() {
    let ctx = setup().await;
    let a = seed(&ctx, UserId::generate(), "alpha-marker").await;
    let b = seed(&ctx, UserId::generate(), "bravo-marker").await;
    let before_a = row_counts(&ctx, a.user).await;
    let before_b = row_counts(&ctx, b.user).await;
    assert!(before_a["contacts"] > 0 && before_a["job_history"] > 0);

    let res = ctx
        .app
        .as_user(a.user)
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // Every table with a user_id column (tenant tables, job_* tables and the partitions of
    // job_history alike) holds no row of A; B's rows are all still there.
    let after_a = row_counts(&ctx, a.user).await;
    assert!(after_a.contains_key("job_queue") && after_a.contains_key("tenants"));
    for (table, count) in &after_a {
        assert_eq!(*count, 0, "{table} still holds rows of the erased user");
    }
    assert_eq!(row_counts(&ctx, b.user).await, before_b);
    assert!(!user_dir(&ctx, a.user).exists());
    for key in b.files.keys() {
        assert!(file_path(&ctx, key).exists(), "{key}");
    }

    // Erasing again is fine (a new receipt), and the account now exports empty.
    let res = ctx
        .app
        .as_user(a.user)
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let entries = export(&ctx.app.as_user(a.user)).await;
    for table in user_tables(&ctx).await {
        assert!(rows(&entries, &table).is_empty(), "{table}");
    }
    assert!(!entries.keys().any(|n| n.starts_with("files/")));

    // The user may start afresh.
    named_contact(&ctx.app.as_user(a.user), "New start").await;
    let res = ctx.app.as_user(a.user).get("/api/v1/contacts/count").await;
    assert_eq!(res.json::<Value>()["count"], 1);
}

#[tokio::test]
async fn erasure_needs_the_exact_confirmation_and_deletes_nothing_without_it() {
    let ctx = setup().await;
    let a = seed(&ctx, UserId::generate(), "alpha-marker").await;
    let before = row_counts(&ctx, a.user).await;

    // No body at all.
    let res = ctx.app.as_user(a.user).delete(ERASE).await;
    res.problem(StatusCode::BAD_REQUEST, "malformed_request");

    for (body, expected) in [
        (json!({}), vec!["/confirmation"]),
        (
            json!({"confirmation": "nope", "acknowledgeIrreversible": false}),
            vec!["/acknowledgeIrreversible", "/confirmation"],
        ),
        (
            json!({"confirmation": "delete my data", "acknowledgeIrreversible": true}),
            vec!["/confirmation"],
        ),
        (
            json!({"confirmation": "DELETE MY DATA ", "acknowledgeIrreversible": true}),
            vec!["/confirmation"],
        ),
        (
            json!({"confirmation": "DELETE MY DATA", "acknowledgeIrreversible": false}),
            vec!["/acknowledgeIrreversible"],
        ),
        (
            json!({"confirmation": "DELETE MY DATA", "acknowledgeIrreversible": "true"}),
            vec!["/acknowledgeIrreversible"],
        ),
        (
            json!({"confirmation": "DELETE MY DATA"}),
            vec!["/acknowledgeIrreversible"],
        ),
        (
            json!({"confirmation": null, "acknowledgeIrreversible": true}),
            vec!["/confirmation"],
        ),
    ] {
        let res = ctx
            .app
            .as_user(a.user)
            .send_json(Method::DELETE, ERASE, Some(&body.clone()))
            .await;
        let problem = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
        let mut got = pointers(&problem);
        got.sort();
        assert_eq!(got, expected, "{body}");
    }
    let res = ctx
        .app
        .as_user(a.user)
        .send_json(Method::DELETE, ERASE, Some(&json!({"confirmation": "DELETE MY DATA", "acknowledgeIrreversible": true, "also": 1})))
        .await;
    res.problem(StatusCode::BAD_REQUEST, "malformed_request");
    let res = ctx
        .app
        .as_user(a.user)
        .send_bytes(
            Method::DELETE,
            ERASE,
            "text/plain",
            confirmation().to_string(),
        )
        .await;
    res.problem(StatusCode::BAD_REQUEST, "malformed_request");

    assert_eq!(row_counts(&ctx, a.user).await, before);
    for key in a.files.keys() {
        assert!(file_path(&ctx, key).exists(), "{key}");
    }
}

#[tokio::test]
async fn every_tenant_table_cascades_from_its_tenants_row() {
    // Erasure relies on it (the sweep after the cascade only logs what it had to catch).
    let ctx = setup().await;
    let owner = ctx.db.owner().await.unwrap();
    let missing: Vec<String> = owner
        .query(
            "SELECT c.relname::text FROM pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
               AND NOT c.relispartition AND c.relname <> 'tenants' AND c.relname !~ '^job_'
               AND EXISTS (SELECT 1 FROM pg_attribute a
                           WHERE a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                               WHERE f.conrelid = c.oid AND f.contype = 'f'
                                 AND f.confrelid = 'tenants'::regclass AND f.confdeltype = 'c')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(
        missing.is_empty(),
        "tables that do not reference tenants ON DELETE CASCADE: {missing:?}"
    );
}
