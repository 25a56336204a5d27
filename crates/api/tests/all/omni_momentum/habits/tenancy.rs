//! Another user's habits and completions are out of reach on every habit route.

use crate::common::habits::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_habits_are_out_of_reach_on_every_route() {
    let ctx = setup().await;
    let (alice_id, bob_id) = (TestApp::new_user(), TestApp::new_user());
    let alice = ctx.app.as_user(alice_id);
    let bob = ctx.app.as_user(bob_id);
    let habit = habit_id(&alice, "Private").await;
    let done = complete(&alice, &habit, json!({"completedDate": "2026-03-01"}))
        .await
        .ok_json(StatusCode::CREATED);
    let completion = done["id"].as_str().unwrap();
    let bobs = habit_id(&bob, "Bob's").await;

    let base = format!("{HABITS}/{habit}");
    for (method, path, body) in [
        (Method::GET, base.clone(), None),
        (
            Method::PATCH,
            base.clone(),
            Some(json!({"name": "Mine now"})),
        ),
        (Method::DELETE, base.clone(), None),
        (Method::GET, format!("{base}/completions"), None),
        // A completion for another user's habit is 404.
        (Method::POST, format!("{base}/completions"), Some(json!({}))),
        (
            Method::DELETE,
            format!("{base}/completions/{completion}"),
            None,
        ),
        // Alice's completion under Bob's own habit is no completion of his either.
        (
            Method::DELETE,
            format!("{HABITS}/{bobs}/completions/{completion}"),
            None,
        ),
        (Method::GET, format!("{base}/streak"), None),
        (Method::GET, format!("{base}/analytics"), None),
    ] {
        bob.send_json(method.clone(), &path, body.as_ref())
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
    }

    let list = bob.get(HABITS).await.ok_json(StatusCode::OK);
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(list["items"][0]["userId"], bob_id.to_string());
    let summary = bob
        .get(&format!("{HABITS}/analytics"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(summary["totalHabits"], 1);

    // Alice's habit and completion are untouched.
    let hers = alice.get(&base).await.ok_json(StatusCode::OK);
    assert_eq!(hers["name"], "Private");
    let completions = alice
        .get(&format!("{base}/completions"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(completions["pagination"]["total"], 1);
    // Anonymous callers get 401.
    ctx.app
        .anonymous()
        .get(HABITS)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}
