//! `GET /data-intelligence/raw-events` (filters, cursor pages, no payloads) and `/{id}`
//! (with the payload), only the owner's.

use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::setup;
use crate::common::timeline::{
    ME, calendar_event, connect_google, gmail_message, leaf, normalise, open_run, store_raw,
};

fn source_ids(page: &Value) -> Vec<&str> {
    let mut ids: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sourceId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn raw_events_filter_by_provider_status_extraction_and_batch() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    connect_google(&ctx, user).await;
    let run = open_run(&ctx, user, "gmail").await;
    let mail = gmail_message(
        "m1",
        &["INBOX"],
        &[("From", "ada@example.org"), ("To", ME)],
        leaf("", "text/plain; charset=UTF-8", &[], b"hello"),
    );
    store_raw(&ctx, user, "gmail", "m1", run, &mail).await;
    let mut spam = mail.clone();
    spam["labelIds"] = json!(["SPAM"]);
    store_raw(&ctx, user, "gmail", "m2", run, &spam).await;
    let cal = open_run(&ctx, user, "calendar").await;
    store_raw(
        &ctx,
        user,
        "calendar",
        "e1",
        cal,
        &calendar_event("e1", json!({})),
    )
    .await;
    normalise(&ctx, user, run).await;

    let base = "/api/v1/data-intelligence/raw-events";
    let all = alice
        .get(&format!("{base}?limit=2"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert!(
        all["items"][0].get("payload").is_none(),
        "lists carry no payloads"
    );
    let cursor = all["nextCursor"].as_str().unwrap();
    let rest = alice
        .get(&format!("{base}?limit=2&cursor={cursor}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);

    let q = |query: &str| format!("{base}?{query}");
    let page = alice
        .get(&q("provider=calendar"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(source_ids(&page), ["e1"]);
    let page = alice
        .get(&q("processingStatus=skipped&processingStatus=pending"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(source_ids(&page), ["e1", "m2"]);
    let page = alice
        .get(&q("contactExtractionStatus=identifiers_found"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(source_ids(&page), ["m1"]);
    let page = alice
        .get(&q(&format!("batchId={run}")))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(source_ids(&page), ["m1", "m2"]);
    let page = alice
        .get(&q("createdAfter=2100-01-01T00:00:00Z"))
        .await
        .ok_json(StatusCode::OK);
    assert!(source_ids(&page).is_empty());
    alice
        .get(&q("processingStatus=done"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");

    let spam_row = alice
        .get(&q("processingStatus=skipped"))
        .await
        .ok_json(StatusCode::OK);
    let id = spam_row["items"][0]["id"].as_str().unwrap();
    assert_eq!(spam_row["items"][0]["processingError"], "spam");
    let one = alice
        .get(&format!("{base}/{id}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(one["payload"]["labelIds"], json!(["SPAM"]));
    assert_eq!(one["processingStatus"], "skipped");

    let bob = ctx.app.as_user(TestApp::new_user());
    bob.get(&format!("{base}/{id}"))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let bobs = bob.get(base).await.ok_json(StatusCode::OK);
    assert!(source_ids(&bobs).is_empty());
}
