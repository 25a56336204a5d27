//! Invalid bodies and queries on every tags route are 400 with pointers.

use crate::common::setup;
use crate::common::tags::*;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_bodies_and_queries_are_400_with_pointers() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact = new_contact(&as_user, "Ann").await;
    let tag = new_tag(&as_user, "T").await;
    let tag_path = format!("/api/v1/tags/{tag}");

    let cases: Vec<(Method, String, Value, Vec<&str>)> = vec![
        (
            Method::POST,
            "/api/v1/tags".into(),
            json!({}),
            vec!["/name"],
        ),
        (
            Method::POST,
            "/api/v1/tags".into(),
            json!({"name": "   ", "color": "#12345G"}),
            vec!["/color", "/name"],
        ),
        (
            Method::POST,
            "/api/v1/tags".into(),
            json!({"name": "x".repeat(101)}),
            vec!["/name"],
        ),
        (
            Method::POST,
            "/api/v1/tags".into(),
            json!({"name": "x", "category": "astrology"}),
            vec!["/category"],
        ),
        (
            Method::PATCH,
            tag_path.clone(),
            json!({"name": null, "color": "blue"}),
            vec!["/color", "/name"],
        ),
        (
            Method::PATCH,
            tag_path.clone(),
            json!({"category": null}),
            vec!["/category"],
        ),
        (
            Method::POST,
            "/api/v1/tags/apply".into(),
            json!({"entityType": "contact", "entityId": contact, "tagIds": []}),
            vec!["/tagIds"],
        ),
        (
            Method::POST,
            "/api/v1/tags/apply".into(),
            json!({"entityType": "contact", "entityId": contact,
                   "tagIds": (0..51).map(|_| Uuid::now_v7()).collect::<Vec<_>>()}),
            vec!["/tagIds"],
        ),
        (
            Method::POST,
            "/api/v1/tags/remove".into(),
            json!({"entityType": "project", "entityId": contact, "tagIds": [tag]}),
            vec!["/entityType"],
        ),
        (
            Method::POST,
            "/api/v1/tags/apply".into(),
            json!({"entityType": "contact", "entityId": "nope", "tagIds": [tag]}),
            vec!["/entityId"],
        ),
        (
            Method::POST,
            "/api/v1/tags/apply".into(),
            json!({"entityType": "contact", "entityId": contact, "tagIds": [tag, "x"]}),
            vec!["/tagIds/1"],
        ),
        (
            Method::POST,
            "/api/v1/tags/apply".into(),
            json!({"entityType": "contact", "tagIds": [tag]}),
            vec!["/entityId"],
        ),
        (
            Method::POST,
            "/api/v1/tags/bulk-delete".into(),
            json!({"ids": []}),
            vec!["/ids"],
        ),
        (
            Method::POST,
            "/api/v1/tags/bulk-delete".into(),
            json!({"ids": (0..101).map(|_| Uuid::now_v7()).collect::<Vec<_>>()}),
            vec!["/ids"],
        ),
    ];
    for (method, path, payload, expected) in cases {
        let p = as_user
            .send_json(method.clone(), &path, Some(&payload.clone()))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), expected, "{method} {path} {payload}");
    }

    // Unknown fields are malformed requests.
    for (path, payload) in [
        ("/api/v1/tags", json!({"name": "x", "colour": "#000000"})),
        (
            "/api/v1/tags/apply",
            json!({"entityType": "contact", "entityId": contact, "tagIds": [tag], "force": true}),
        ),
    ] {
        as_user
            .post_json(path, &payload)
            .await
            .problem(StatusCode::BAD_REQUEST, "malformed_request");
    }

    let long_search = format!("search={}", "x".repeat(101));
    for (query, pointer) in [
        ("pageSize=201", "/pageSize"),
        ("page=0", "/page"),
        (long_search.as_str(), "/search"),
        ("sort=color", "/sort"),
        ("order=up", "/order"),
        ("isSystem=maybe", "/isSystem"),
    ] {
        let p = as_user
            .get(&format!("/api/v1/tags?{query}"))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), [pointer], "{query}");
    }
    // An empty search is no filter.
    assert_eq!(
        as_user
            .get("/api/v1/tags?search=")
            .await
            .ok_json(StatusCode::OK)["pagination"]["total"],
        SYSTEM_TAGS + 1
    );
    let p = as_user
        .get("/api/v1/tags?category=astrology")
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert!(pointers(&p)[0].starts_with("/category"), "{p}");
    as_user
        .get("/api/v1/tags?colour=red")
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    let p = as_user
        .get(&format!("/api/v1/contacts/{contact}/tags?pageSize=0"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&p), ["/pageSize"]);
    // The original's `DELETE /tags/remove` is gone: it now reads as a tag id, and is 404.
    as_user
        .delete("/api/v1/tags/remove")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
