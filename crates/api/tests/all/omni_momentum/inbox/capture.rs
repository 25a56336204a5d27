//! Quick capture, its suggestion in the user's time zone, list, stats, PATCH and DELETE;
//! oversized captures are refused.

use super::{INBOX, capture, item_path};
use crate::common::habits::set_timezone;
use crate::common::setup;
use crate::common::tasks::{SELF_CARE, local_date};
use omnicrm_testkit::{TestApp, pointers};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_carries_suggestions_dated_in_the_users_time_zone() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let tz = "Pacific/Auckland";
    set_timezone(&alice, tz).await;
    let res = alice
        .post_json(
            INBOX,
            &json!({"rawText": "- Call Ana tomorrow, urgent\n- book a massage for self care", "source": "widget"}),
        )
        .await;
    let location = res.header("location").map(str::to_owned);
    let item = res.ok_json(StatusCode::CREATED);
    assert_eq!(location, Some(item_path(&item)));
    assert_eq!(item["status"], "unprocessed");
    assert_eq!(item["source"], "widget");
    assert_eq!(item["processedAt"], json!(null));
    let tasks = item["suggestion"]["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2, "{item}");
    assert_eq!(tasks[0]["dueDate"], local_date(&ctx, tz, 1).await);
    assert_eq!(tasks[0]["priority"], "high");
    assert!(!tasks[0]["name"].as_str().unwrap().contains("tomorrow"));
    assert_eq!(tasks[1]["zoneId"], SELF_CARE);
    assert_eq!(tasks[1]["zoneName"], "Self Care");

    let got = alice.get(&item_path(&item)).await.ok_json(StatusCode::OK);
    assert_eq!(got, item);
    let list = alice.get(INBOX).await.ok_json(StatusCode::OK);
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(list["items"][0], item);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_filters_by_status_text_and_creation_time_and_the_stats_count() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let a = capture(&alice, "order massage oils").await;
    let b = capture(&alice, "renew the insurance").await;
    let c = capture(&alice, "call the landlord").await;
    let archived = alice
        .patch_json(&item_path(&b), &json!({"status": "archived"}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(archived["status"], "archived");
    let processed = alice
        .patch_json(
            &item_path(&c),
            &json!({"status": "processed", "rawText": "call the landlord today"}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert!(processed["processedAt"].is_string());
    assert_eq!(processed["rawText"], "call the landlord today");

    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let open = alice
        .get(&format!("{INBOX}?status=unprocessed"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(ids(&open), [a["id"].as_str().unwrap()]);
    let two = alice
        .get(&format!("{INBOX}?status=unprocessed&status=archived"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(two["pagination"]["total"], 2);
    let found = alice
        .get(&format!("{INBOX}?search=INSURANCE"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(ids(&found), [b["id"].as_str().unwrap()]);
    let none = alice
        .get(&format!("{INBOX}?createdAfter=2999-01-01T00:00:00Z"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(none["pagination"]["total"], 0);
    let all = alice
        .get(&format!(
            "{INBOX}?createdBefore=2999-01-01T00:00:00Z&createdAfter=2000-01-01T00:00:00Z"
        ))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(all["pagination"]["total"], 3);
    let stats = alice
        .get(&format!("{INBOX}/stats"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        stats,
        json!({"unprocessed": 1, "processed": 1, "archived": 1, "total": 3, "recentActivity": 3})
    );

    // Back to unprocessed clears processedAt; DELETE removes.
    let back = alice
        .patch_json(&item_path(&c), &json!({"status": "unprocessed"}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(back["processedAt"], json!(null));
    alice
        .delete(&item_path(&a))
        .await
        .expect(StatusCode::NO_CONTENT);
    alice
        .get(&item_path(&a))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    alice
        .delete(&item_path(&a))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_and_oversized_captures_are_refused() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    // 1 MiB: refused for its size before it is parsed.
    let huge = "a".repeat(1024 * 1024);
    alice
        .post_json(INBOX, &json!({ "rawText": huge }))
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    for (body, pointer) in [
        (json!({"rawText": "x".repeat(10_001)}), "/rawText"),
        (json!({"rawText": "  \n "}), "/rawText"),
        (json!({}), "/rawText"),
        (json!({"rawText": "a", "source": ""}), "/source"),
        (json!({"rawText": "a", "queue": "yes"}), "/queue"),
    ] {
        let p = alice
            .post_json(INBOX, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), [pointer]);
    }
    alice
        .post_json(INBOX, &json!({"rawText": "a", "colour": "red"}))
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    // The longest capture, 10 000 characters of date phrases on many lines: answered, with
    // at most 50 suggested tasks.
    let long = "call Ana tomorrow\n".repeat(10_000 / 18);
    let item = capture(&alice, &long).await;
    assert_eq!(item["suggestion"]["tasks"].as_array().unwrap().len(), 50);

    let path = item_path(&item);
    for (body, pointer) in [
        (json!({"rawText": null}), "/rawText"),
        (json!({"rawText": " "}), "/rawText"),
        (json!({"status": null}), "/status"),
        (json!({"status": "done"}), "/status"),
    ] {
        let p = alice
            .patch_json(&path, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), [pointer], "{body}");
    }
    for query in [
        "status=done",
        "pageSize=0",
        "createdAfter=yesterday",
        "page=0",
    ] {
        alice
            .get(&format!("{INBOX}?{query}"))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
    }
    alice
        .get(&format!("{INBOX}/not-a-uuid"))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
