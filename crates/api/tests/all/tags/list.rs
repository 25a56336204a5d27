//! `GET /api/v1/tags`: the system tags made on first touch, search, filters, sorting and pages.

use crate::common::setup;
use crate::common::tags::*;
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_touch_creates_the_system_tags_once_even_concurrently() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    // Eight first touches at once: every one succeeds and the user ends with one copy.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let path = if i % 2 == 0 {
            "/api/v1/tags"
        } else {
            "/api/v1/tags/stats"
        };
        let request = as_user.request(Method::GET, path);
        tasks.spawn(async move { request.send().await.unwrap().status() });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::OK);
    }
    let list = as_user
        .get("/api/v1/tags?pageSize=200")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(list["pagination"]["total"], SYSTEM_TAGS);
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().all(|t| t["isSystem"] == true
        && t["usageCount"] == 0
        && t["userId"] == user.to_string()
        && t["templateId"].is_string()));
    let yoga = items.iter().find(|t| t["name"] == "Yoga").unwrap();
    assert_eq!(yoga["category"], "services_modalities");
    assert_eq!(yoga["color"], "#6366F1");

    // Another touch adds nothing; another user gets their own copies (other ids).
    assert_eq!(
        as_user.get("/api/v1/tags").await.ok_json(StatusCode::OK)["pagination"]["total"],
        SYSTEM_TAGS
    );
    let other = TestApp::new_user();
    let theirs = system_tag(&ctx.app.as_user(other), "Yoga").await;
    assert_ne!(theirs["id"], yoga["id"]);
    assert_eq!(theirs["templateId"], yoga["templateId"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_searches_filters_sorts_and_paginates() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact = new_contact(&as_user, "Ann").await;
    let mine = new_tag(&as_user, "Zen 50%").await;
    as_user
        .post_json(
            "/api/v1/tags",
            &json!({"name": "Calm", "category": "emotional_mental", "color": "#000000"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let yoga = system_tag(&as_user, "Yoga").await;
    let yoga_id = yoga["id"].as_str().unwrap();
    apply(&as_user, "contact", &contact, &[yoga_id, &mine])
        .await
        .ok_json(StatusCode::OK);

    // Search is a case-insensitive substring; LIKE wildcards match literally.
    let found = as_user
        .get("/api/v1/tags?search=YOG")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(found["pagination"]["total"], 1);
    assert_eq!(found["items"][0]["name"], "Yoga");
    let found = as_user
        .get("/api/v1/tags?search=50%25")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(found["items"][0]["id"], mine.as_str());
    assert_eq!(found["pagination"]["total"], 1);
    assert_eq!(
        as_user
            .get("/api/v1/tags?search=%25")
            .await
            .ok_json(StatusCode::OK)["pagination"]["total"],
        1
    );

    // isSystem=false: only the user's own tags, by name A→Z by default.
    let own = as_user
        .get("/api/v1/tags?isSystem=false")
        .await
        .ok_json(StatusCode::OK);
    let names: Vec<&str> = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Calm", "Zen 50%"]);
    assert_eq!(
        as_user
            .get("/api/v1/tags?isSystem=true")
            .await
            .ok_json(StatusCode::OK)["pagination"]["total"],
        SYSTEM_TAGS
    );

    // Repeated category keys are a union.
    let two = as_user
        .get("/api/v1/tags?category=emotional_mental&category=health_wellness&pageSize=200")
        .await
        .ok_json(StatusCode::OK);
    let items = two["items"].as_array().unwrap();
    assert_eq!(items.len(), 11 + 11 + 1);
    assert!(
        items
            .iter()
            .all(|t| t["category"] == "emotional_mental" || t["category"] == "health_wellness")
    );

    // Sort by usage: the two used tags first; order=asc puts them last.
    let by_usage = as_user
        .get("/api/v1/tags?sort=usageCount&pageSize=2")
        .await
        .ok_json(StatusCode::OK);
    let top: Vec<&str> = by_usage["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(top, ["Yoga", "Zen 50%"]);
    assert_eq!(by_usage["items"][0]["usageCount"], 1);
    let asc = as_user
        .get("/api/v1/tags?sort=usageCount&order=asc&pageSize=200")
        .await
        .ok_json(StatusCode::OK);
    let last = asc["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["usageCount"], 1);

    // Newest first by default for createdAt; name desc reverses the alphabet.
    let newest = as_user
        .get("/api/v1/tags?sort=createdAt&pageSize=1")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(newest["items"][0]["name"], "Calm");
    let z_first = as_user
        .get("/api/v1/tags?sort=name&order=desc&pageSize=1")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(z_first["items"][0]["name"], "Zen 50%");

    // Pagination metadata, and a page past the end is empty.
    let page = as_user
        .get("/api/v1/tags?page=2&pageSize=50")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 19);
    assert_eq!(
        page["pagination"],
        json!({"page": 2, "pageSize": 50, "total": 69, "totalPages": 2, "hasNext": false, "hasPrev": true})
    );
    let past = as_user
        .get("/api/v1/tags?page=9&pageSize=50")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(past["items"], json!([]));
}
