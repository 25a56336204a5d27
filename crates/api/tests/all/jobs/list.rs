//! `GET /api/v1/jobs`: filters and pages without duplicates or gaps.

use crate::common::jobs::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_filters_and_paginates_without_duplicates_or_gaps() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let batch = Uuid::now_v7();
    let mut all = Vec::new();
    // Several jobs share a created_at so the id tie-break is exercised.
    for i in 0..4 {
        all.push(queued(&ctx, alice, "sync", None, 100).await);
        all.push(queued(&ctx, alice, "import", Some(batch), 50 + i).await);
    }
    all.push(finished(&ctx, alice, "sync", "succeeded", None, 100).await);
    all.push(finished(&ctx, alice, "import", "dead", Some(batch), 10).await);
    all.push(finished(&ctx, alice, "other", "cancelled", None, 1).await);
    all.push(running(&ctx, alice, "sync").await);
    queued(&ctx, bob, "sync", Some(batch), 1).await;

    // Walk every page of 3.
    let mut seen = Vec::new();
    let mut path = "/api/v1/jobs?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let res = as_alice.get(&path).await;
        let status = res.status();
        let page: Value = res.json();
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = ids(&page);
        assert!(items.len() <= 3);
        seen.extend(items);
        pages += 1;
        match page.get("nextCursor").and_then(Value::as_str) {
            Some(cursor) => path = format!("/api/v1/jobs?limit=3&cursor={cursor}"),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "duplicates across pages");
    let mut expected: Vec<String> = all.iter().map(Uuid::to_string).collect();
    expected.sort();
    assert_eq!(unique, expected, "gaps or foreign jobs");
    // Newest first: the same order as one big page.
    let one: Value = as_alice.get("/api/v1/jobs?limit=200").await.json();
    assert_eq!(ids(&one), seen);
    assert!(one.get("nextCursor").is_none());
    // An exact multiple of the page size ends without an empty extra page.
    let twelve: Value = as_alice.get("/api/v1/jobs?limit=12").await.json();
    assert_eq!(ids(&twelve).len(), 12);
    assert!(twelve.get("nextCursor").is_none());

    let count = |page: &Value| page["items"].as_array().map_or(0, Vec::len);
    let by_kind: Value = as_alice.get("/api/v1/jobs?kind=sync").await.json();
    assert_eq!(count(&by_kind), 6);
    assert!(
        by_kind["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["kind"] == "sync")
    );
    let kinds: Value = as_alice
        .get("/api/v1/jobs?kind=sync&kind=other")
        .await
        .json();
    assert_eq!(count(&kinds), 7);
    let states: Value = as_alice
        .get("/api/v1/jobs?state=dead&state=running")
        .await
        .json();
    assert_eq!(count(&states), 2);
    let queued_only: Value = as_alice.get("/api/v1/jobs?state=queued").await.json();
    assert_eq!(count(&queued_only), 8);
    let in_batch: Value = as_alice
        .get(&format!(
            "/api/v1/jobs?batchId={batch}&state=queued&kind=import"
        ))
        .await
        .json();
    assert_eq!(count(&in_batch), 4);

    let body = as_alice
        .get("/api/v1/jobs?state=paused")
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert!(pointers(&body)[0].starts_with("/state"), "{body}");
    // Garbage, and `<nanos>:<uuid>` for about 5300 BC (`time` parses it; PostgreSQL cannot).
    for cursor in [
        "bm9wZQ",
        "LTIzMDAwMDAwMDAwMDAwMDAwMDAwMDowMTkzYTBjNC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA",
    ] {
        let path = format!("/api/v1/jobs?cursor={cursor}");
        let body = as_alice
            .get(&path)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&body), vec!["/cursor"]);
    }
    for bad in ["limit=0", "limit=201", "batchId=nope"] {
        as_alice
            .get(&format!("/api/v1/jobs?{bad}"))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
    }
    as_alice
        .get("/api/v1/jobs?colour=red")
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
}
