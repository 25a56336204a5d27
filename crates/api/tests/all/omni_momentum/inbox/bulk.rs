//! `POST /inbox/bulk`: per-id results in one transaction; another user's ids are never
//! touched.

use super::{INBOX, capture, item_path};
use crate::common::setup;
use crate::common::tasks::TASKS;
use omnicrm_testkit::{TestApp, pointers};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_actions_answer_per_id_and_leave_other_users_alone() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let a1 = capture(&alice, "one").await;
    let a2 = capture(&alice, "two\nthree").await;
    let a3 = capture(&alice, "four").await;
    let b1 = capture(&bob, "Bob's").await;
    let url = format!("{INBOX}/bulk");

    let res: Value = alice
        .post_json(
            &url,
            &json!({"action": "process", "itemIds": [a1["id"], a1["id"], b1["id"], a2["id"]]}),
        )
        .await
        .ok_json(StatusCode::OK);
    let results = res["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{res}");
    assert_eq!(results[0]["id"], a1["id"]);
    assert_eq!(results[0]["outcome"], "processed");
    assert_eq!(results[0]["taskIds"].as_array().unwrap().len(), 1);
    assert_eq!(results[1]["id"], b1["id"]);
    assert_eq!(results[1]["outcome"], "not_found");
    assert_eq!(results[2]["outcome"], "processed");
    assert_eq!(results[2]["taskIds"].as_array().unwrap().len(), 2);
    assert_eq!(
        alice.get(TASKS).await.ok_json(StatusCode::OK)["pagination"]["total"],
        3
    );

    let res: Value = alice
        .post_json(&url, &json!({"action": "process", "itemIds": [a1["id"]]}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(res["results"][0]["outcome"], "skipped");

    let res: Value = alice
        .post_json(
            &url,
            &json!({"action": "archive", "itemIds": [a1["id"], a3["id"], b1["id"]]}),
        )
        .await
        .ok_json(StatusCode::OK);
    let outcomes: Vec<&str> = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["archived", "archived", "not_found"]);
    assert_eq!(
        alice.get(&item_path(&a3)).await.ok_json(StatusCode::OK)["status"],
        "archived"
    );

    let res: Value = alice
        .post_json(
            &url,
            &json!({"action": "delete", "itemIds": [a2["id"], b1["id"]]}),
        )
        .await
        .ok_json(StatusCode::OK);
    let outcomes: Vec<&str> = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["deleted", "not_found"]);
    alice
        .get(&item_path(&a2))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    // The tasks made from a deleted item stay.
    assert_eq!(
        alice.get(TASKS).await.ok_json(StatusCode::OK)["pagination"]["total"],
        3
    );
    let bobs = bob.get(&item_path(&b1)).await.ok_json(StatusCode::OK);
    assert_eq!(bobs["status"], "unprocessed");
    assert_eq!(bobs, b1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_requests_are_bounded() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let url = format!("{INBOX}/bulk");
    let many: Vec<String> = (0..51).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    for (body, pointer) in [
        (json!({"action": "archive", "itemIds": many}), "/itemIds"),
        (json!({"action": "archive", "itemIds": []}), "/itemIds"),
        (
            json!({"action": "burn", "itemIds": [uuid::Uuid::new_v4()]}),
            "/action",
        ),
        (json!({"action": "archive", "itemIds": ["x"]}), "/itemIds/0"),
    ] {
        let p = alice
            .post_json(&url, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), [pointer]);
    }
    let fifty: Vec<String> = (0..50).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let res: Value = alice
        .post_json(&url, &json!({"action": "delete", "itemIds": fifty}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(res["results"].as_array().unwrap().len(), 50);
}
