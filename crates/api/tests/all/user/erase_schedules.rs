//! Erasure stops the user's schedules (a Google sync every 15 minutes): the rows go with
//! the user, counted in the receipt, and nothing fires for the user afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_testkit::{TEST_CRON_SECRET, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::user_data::{ERASE, confirmation};
use crate::common::{Ctx, setup};

async fn jobs_of(ctx: &Ctx, user: Uuid) -> (i64, i64) {
    let owner = ctx.db.owner().await.unwrap();
    let row = owner
        .query_one(
            "SELECT (SELECT count(*) FROM job_schedules WHERE user_id = $1),
                    (SELECT count(*) FROM job_queue WHERE user_id = $1)
                  + (SELECT count(*) FROM job_history WHERE user_id = $1)",
            &[&user],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn the_users_schedules_are_gone_after_erasure_and_fire_nothing() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    as_alice
        .post_json("/api/v1/contacts", &json!({"displayName": "Ada"}))
        .await
        .ok_json(StatusCode::CREATED);
    // A Google sync schedule for each, due now (as the sync issue installs them).
    for user in [alice, bob] {
        let u = user.into_uuid();
        ctx.db
            .owner()
            .await
            .unwrap()
            .batch_execute(&format!(
                "INSERT INTO job_schedules (name, cron, kind, queue, payload, next_run_at, user_id, concurrency_key)
                 VALUES ('google-sync:gmail:{u}', '*/15 * * * *', 'diagnostics.echo', 'default',
                         '{{}}', now() - interval '1 minute', '{u}', 'google-sync:{u}')"
            ))
            .await
            .unwrap();
    }

    let receipt: Value = as_alice
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(receipt["rowsRemoved"]["job_schedules"], 1, "{receipt}");
    assert_eq!(jobs_of(&ctx, alice.into_uuid()).await, (0, 0));

    // The cron drain fires due schedules first: Bob's fires, nothing of Alice's does.
    ctx.app
        .with_bearer(TEST_CRON_SECRET)
        .post("/api/v1/cron/process-jobs")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(jobs_of(&ctx, alice.into_uuid()).await, (0, 0));
    let (schedules, fired) = jobs_of(&ctx, bob.into_uuid()).await;
    assert_eq!(schedules, 1);
    assert!(fired >= 1, "Bob's schedule fired");
}
