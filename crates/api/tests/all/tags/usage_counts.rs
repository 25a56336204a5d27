//! Usage counts stay exact under concurrent tagging and cascading deletes.

use crate::common::setup;
use crate::common::tags::*;
use omnicrm_testkit::Requester;
use omnicrm_testkit::{TestApp, TestResponse};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::Arc;

/// Sends every request concurrently (at most `parallel` in flight) and returns the bodies;
/// each must answer 200.
async fn concurrently(
    as_user: &Requester<'_>,
    requests: Vec<(&str, Value)>,
    parallel: usize,
) -> Vec<Value> {
    let gate = Arc::new(tokio::sync::Semaphore::new(parallel));
    let mut tasks = tokio::task::JoinSet::new();
    for (path, payload) in requests {
        let request = as_user.request(Method::POST, path).json(&payload);
        let gate = Arc::clone(&gate);
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            TestResponse::read(request.send().await.unwrap())
                .await
                .ok_json(StatusCode::OK)
        });
    }
    let mut out = Vec::new();
    while let Some(result) = tasks.join_next().await {
        out.push(result.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_counts_stay_exact_under_concurrent_tagging_and_cascades() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let mut contacts = Vec::new();
    for i in 0..12 {
        contacts.push(new_contact(&as_user, &format!("Client {i}")).await);
    }
    let t = new_tag(&as_user, "T").await;

    // Phase 1: applies and removes on every contact, with many tags in opposite orders
    // (a tagging must never wait for another one holding tags it wants next: no
    // deadlock), plus a pile-up on one contact-tag pair.
    let mut many: Vec<String> = all_tags(&as_user)
        .await
        .iter()
        .take(10)
        .map(|tag| tag["id"].as_str().unwrap().to_owned())
        .collect();
    many.push(t.clone());
    let forward: Vec<&str> = many.iter().map(String::as_str).collect();
    let backward: Vec<&str> = forward.iter().rev().copied().collect();
    let sets = [vec![t.as_str()], forward, backward];
    let mut requests = Vec::new();
    for (i, contact) in contacts.iter().enumerate() {
        for round in 0..3 {
            let tags = &sets[(i + round) % 3];
            requests.push(("/api/v1/tags/apply", assignment("contact", contact, tags)));
            requests.push(("/api/v1/tags/remove", assignment("contact", contact, tags)));
            requests.push(("/api/v1/tags/apply", assignment("contact", contact, tags)));
        }
    }
    for _ in 0..15 {
        requests.push((
            "/api/v1/tags/apply",
            assignment("contact", &contacts[0], &[&t]),
        ));
        requests.push((
            "/api/v1/tags/remove",
            assignment("contact", &contacts[0], &[&t]),
        ));
    }
    concurrently(&as_user, requests, 12).await;
    // Taggings lock tags in id order, so none deadlocked and had to be run again.
    assert_eq!(ctx.app.db.contention_retries(), 0);
    for tag in &many {
        let (counter, rows) = usage(&ctx, tag).await;
        assert_eq!(counter, rows, "tag {tag}");
        let listed = as_user
            .get(&format!("/api/v1/tags/{tag}"))
            .await
            .ok_json(StatusCode::OK);
        assert_eq!(listed["usageCount"], rows);
    }

    // Phase 2: every contact gets T twice at once; only first applications count.
    let (_, before) = usage(&ctx, &t).await;
    let mut requests = Vec::new();
    for contact in contacts.iter().chain(contacts.iter()) {
        requests.push(("/api/v1/tags/apply", assignment("contact", contact, &[&t])));
    }
    let answers = concurrently(&as_user, requests, 12).await;
    let applied: i64 = answers.iter().map(|a| a["applied"].as_i64().unwrap()).sum();
    assert_eq!(applied, 12 - before);
    assert_eq!(usage(&ctx, &t).await, (12, 12));

    // Phase 3: ten concurrent removals of one pair remove it once.
    let requests = (0..10)
        .map(|_| {
            (
                "/api/v1/tags/remove",
                assignment("contact", &contacts[2], &[&t]),
            )
        })
        .collect();
    let answers = concurrently(&as_user, requests, 10).await;
    let removed: i64 = answers.iter().map(|a| a["removed"].as_i64().unwrap()).sum();
    assert_eq!(removed, 1);
    assert_eq!(usage(&ctx, &t).await, (11, 11));

    // Phase 4: deleting a contact cascades to its tag links, and through its notes to
    // theirs; the triggers count the cascaded deletions too.
    let note = insert_entity(&ctx, user, "note", &contacts[1]).await;
    apply(&as_user, "note", &note, &[&t])
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(usage(&ctx, &t).await, (12, 12));
    let res = as_user
        .delete(&format!("/api/v1/contacts/{}", contacts[1]))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(usage(&ctx, &t).await, (10, 10));
    let stats = as_user
        .get("/api/v1/tags/stats")
        .await
        .ok_json(StatusCode::OK);
    let t_stats = stats["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["tagId"] == t.as_str())
        .unwrap()
        .clone();
    assert_eq!(t_stats["usageCount"], 10);
    assert_eq!(t_stats["byEntity"]["contact"], 10);
    assert_eq!(t_stats["byEntity"]["note"], 0);
    // The other tags lost their links to the deleted contact as well.
    for tag in &many {
        let (counter, rows) = usage(&ctx, tag).await;
        assert_eq!(counter, rows, "tag {tag}");
    }
}
