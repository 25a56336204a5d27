//! A user's daily pulse entries and goals (with their tags) are in their export and gone
//! after erasure; another user's stay.

use crate::common::pulse::{log_day, ratings};
use crate::common::setup;
use crate::common::user_data::{ERASE, confirmation, export, row_counts, rows};
use omnicrm_testkit::{Requester, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

const GOALS: &str = "/api/v1/omni-momentum/goals";

async fn goal_with_a_tag(user: &Requester<'_>, name: &str) -> Value {
    let tag: Value = user
        .post_json("/api/v1/tags", &json!({"name": format!("tag of {name}")}))
        .await
        .ok_json(StatusCode::CREATED);
    user.post_json(
        GOALS,
        &json!({"name": name, "goalType": "practitioner_personal", "tagIds": [tag["id"]]}),
    )
    .await
    .ok_json(StatusCode::CREATED)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulse_entries_and_goals_are_exported_and_erased() {
    let ctx = setup().await;
    let (alice_id, bob_id) = (TestApp::new_user(), TestApp::new_user());
    let alice = ctx.app.as_user(alice_id);
    let bob = ctx.app.as_user(bob_id);
    log_day(&alice, "2026-03-01", ratings(4.0, 3.0, 5.0)).await;
    goal_with_a_tag(&alice, "Run 5k").await;
    log_day(&bob, "2026-03-01", ratings(2.0, 2.0, 2.0)).await;
    goal_with_a_tag(&bob, "Bob keeps this").await;

    let archive = export(&alice).await;
    let pulse = rows(&archive, "daily_pulse_logs");
    assert_eq!(pulse.len(), 1);
    assert_eq!(pulse[0]["log_date"], "2026-03-01", "{pulse:?}");
    let goals = rows(&archive, "goals");
    assert_eq!(goals.len(), 1);
    assert_eq!(goals[0]["name"], "Run 5k");
    assert_eq!(rows(&archive, "goal_tags").len(), 1);

    alice
        .send_json(reqwest::Method::DELETE, ERASE, Some(&confirmation()))
        .await
        .expect(StatusCode::OK);
    let left = row_counts(&ctx, alice_id).await;
    for table in ["daily_pulse_logs", "goals", "goal_tags"] {
        assert_eq!(left.get(table).copied().unwrap_or(0), 0, "{table}");
    }
    let kept = row_counts(&ctx, bob_id).await;
    for table in ["daily_pulse_logs", "goals", "goal_tags"] {
        assert_eq!(kept.get(table), Some(&1), "{table}");
    }
}
