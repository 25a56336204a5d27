//! `POST /api/v1/tags` and the life of an own tag through `GET`, `PATCH` and `DELETE /api/v1/tags/{id}`; names unique per user.

use crate::common::tags::*;
use crate::common::{problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_own_tag_is_created_read_changed_and_deleted() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let res = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/tags",
            Some(json!({"name": "  Morning people ", "category": "schedule_attendance", "color": "#ABCDEF"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/tags/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["name"], "Morning people");
    assert_eq!(created["category"], "schedule_attendance");
    assert_eq!(created["color"], "#ABCDEF");
    assert_eq!(created["isSystem"], false);
    assert_eq!(created["templateId"], Value::Null);
    assert_eq!(created["usageCount"], 0);
    assert_eq!(get(&ctx, user, &location).await, created);

    // Defaults: services_modalities and #a78bfa.
    let plain = body(
        ctx.send(
            user,
            Method::POST,
            "/api/v1/tags",
            Some(json!({"name": "Plain"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(plain["category"], "services_modalities");
    assert_eq!(plain["color"], "#a78bfa");

    let changed = body(
        ctx.send(
            user,
            Method::PATCH,
            &location,
            Some(json!({"name": "Early birds", "color": "#123456"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["name"], "Early birds");
    assert_eq!(changed["color"], "#123456");
    assert_eq!(changed["category"], "schedule_attendance");
    // An empty PATCH changes nothing.
    let same = body(
        ctx.send(user, Method::PATCH, &location, Some(json!({})))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(same, changed);

    let res = ctx.send(user, Method::DELETE, &location, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    problem(
        ctx.send(user, Method::GET, &location, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(user, Method::DELETE, &location, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(
            user,
            Method::PATCH,
            &location,
            Some(json!({"color": "#000000"})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(user, Method::GET, "/api/v1/tags/not-a-uuid", None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_are_unique_per_user_ignoring_case_system_names_included() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    // A system tag's name is taken from the very first request on.
    problem(
        ctx.send(
            alice,
            Method::POST,
            "/api/v1/tags",
            Some(json!({"name": "yOGA"})),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let focus = new_tag(&ctx, alice, "Focus").await;
    problem(
        ctx.send(
            alice,
            Method::POST,
            "/api/v1/tags",
            Some(json!({"name": " FOCUS "})),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let other = new_tag(&ctx, alice, "Other").await;
    for taken in ["focus", "Reiki"] {
        problem(
            ctx.send(
                alice,
                Method::PATCH,
                &format!("/api/v1/tags/{other}"),
                Some(json!({ "name": taken })),
            )
            .await,
            StatusCode::CONFLICT,
            "conflict",
        )
        .await;
    }
    // Renaming a tag to a different case of its own name is fine.
    let renamed = body(
        ctx.send(
            alice,
            Method::PATCH,
            &format!("/api/v1/tags/{focus}"),
            Some(json!({"name": "FOCUS"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(renamed["name"], "FOCUS");
    // Names are per user.
    new_tag(&ctx, bob, "Focus").await;
    assert_eq!(all_tags(&ctx, alice).await.len() as u64, SYSTEM_TAGS + 2);
}
