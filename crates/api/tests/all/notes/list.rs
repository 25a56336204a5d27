//! `GET /api/v1/notes`: pages, filters, search and sorting.

use crate::common::notes::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_paginate_filter_search_and_sort() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let ann = contact(&as_user, "Ann").await;
    let bob = contact(&as_user, "Bob").await;
    let mut ann_notes = Vec::new();
    for text in [
        "Sleep improved 100% this week",
        "Sleep improved 1000 times",
        "Knee_pain after running",
        "Knee pain gone",
        "Wrote to ann.lee@example.com about sleep",
    ] {
        let note = create_note(&as_user, json!({"contactId": ann, "contentPlain": text})).await;
        ann_notes.push(note["id"].as_str().unwrap().to_owned());
    }
    for text in ["Bob: first visit", "Bob: follow-up about sleep"] {
        create_note(&as_user, json!({"contactId": bob, "contentPlain": text})).await;
    }

    let page = as_user
        .get("/api/v1/notes?pageSize=3&page=2")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        page["pagination"],
        json!({"page": 2, "pageSize": 3, "total": 7, "totalPages": 3, "hasNext": true, "hasPrev": true})
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let past_end = as_user
        .get("/api/v1/notes?page=9")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(past_end["items"], json!([]));
    assert_eq!(past_end["pagination"]["total"], 7);

    // Newest first by default; ascending on request.
    let newest = as_user
        .get(&format!("/api/v1/notes?contactId={ann}"))
        .await
        .ok_json(StatusCode::OK);
    let ids: Vec<&str> = newest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = ann_notes.iter().map(String::as_str).collect();
    expected.reverse();
    assert_eq!(ids, expected);
    let oldest = as_user
        .get(&format!(
            "/api/v1/notes?contactId={ann}&order=asc&pageSize=1"
        ))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(oldest["items"][0]["id"], ann_notes[0].as_str());

    // sort=updatedAt puts the note changed last first.
    let touched = format!("/api/v1/notes/{}", ann_notes[0]);
    as_user
        .patch_json(
            &touched,
            &json!({"contentPlain": "Sleep improved 100% this week!"}),
        )
        .await;
    let by_update = as_user
        .get("/api/v1/notes?sort=updatedAt&pageSize=1")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(by_update["items"][0]["id"], ann_notes[0].as_str());

    // Search is case-insensitive and takes % and _ literally.
    let search = |q: &str| format!("/api/v1/notes?search={q}");
    let hits = as_user.get(&search("SLEEP")).await.ok_json(StatusCode::OK);
    assert_eq!(hits["pagination"]["total"], 4);
    let hits = as_user.get(&search("100%25")).await.ok_json(StatusCode::OK);
    assert_eq!(hits["pagination"]["total"], 1);
    let hits = as_user
        .get(&search("knee_pain"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(hits["pagination"]["total"], 1);
    let hits = as_user
        .get(&format!("{}&contactId={bob}", search("sleep")))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(hits["pagination"]["total"], 1);
    // The e-mail address was never stored, so it cannot be found.
    let hits = as_user
        .get(&search("example.com"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(hits["pagination"]["total"], 0);

    // Bad queries.
    for (query, pointer) in [
        ("pageSize=500", "/pageSize"),
        ("page=0", "/page"),
        ("sort=title", "/sort"),
        ("contactId=nope", "/contactId"),
    ] {
        let body = as_user
            .get(&format!("/api/v1/notes?{query}"))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&body), [pointer], "{query}");
    }
    as_user
        .get("/api/v1/notes?limit=5")
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
}
