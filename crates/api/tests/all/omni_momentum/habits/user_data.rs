//! A user's habits and completions are in their export and gone after erasure.

use crate::common::habits::*;
use crate::common::setup;
use crate::common::user_data::{ERASE, confirmation, export, row_counts, rows};
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn habits_and_completions_are_exported_and_erased() {
    let ctx = setup().await;
    let (alice_id, bob_id) = (TestApp::new_user(), TestApp::new_user());
    let alice = ctx.app.as_user(alice_id);
    let bob = ctx.app.as_user(bob_id);
    let habit = habit_id(&alice, "Exported habit").await;
    complete(
        &alice,
        &habit,
        json!({"completedDate": "2026-03-01", "notes": "kept"}),
    )
    .await
    .ok_json(StatusCode::CREATED);
    let bobs = habit_id(&bob, "Bob keeps this").await;
    complete(&bob, &bobs, json!({}))
        .await
        .ok_json(StatusCode::CREATED);

    let archive = export(&alice).await;
    let habits = rows(&archive, "habits");
    assert_eq!(habits.len(), 1);
    assert_eq!(habits[0]["name"], "Exported habit");
    let completions = rows(&archive, "habit_completions");
    assert_eq!(completions.len(), 1);
    assert_eq!(completions[0]["notes"], "kept");

    alice
        .send_json(reqwest::Method::DELETE, ERASE, Some(&confirmation()))
        .await
        .expect(StatusCode::OK);
    let left = row_counts(&ctx, alice_id).await;
    assert_eq!(left.get("habits").copied().unwrap_or(0), 0);
    assert_eq!(left.get("habit_completions").copied().unwrap_or(0), 0);
    let kept = row_counts(&ctx, bob_id).await;
    assert_eq!(kept.get("habits"), Some(&1));
    assert_eq!(kept.get("habit_completions"), Some(&1));
}
