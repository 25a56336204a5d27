//! Every inbox route naming one of Alice's items is 404 for Bob and changes nothing; his
//! list, stats and queue show none of hers.

use super::{INBOX, item_path};
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_inbox_items_are_out_of_reach() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let item = alice
        .post_json(INBOX, &json!({"rawText": "Alice's", "queue": true}))
        .await
        .ok_json(StatusCode::CREATED);
    let path = item_path(&item);
    for (method, url, body) in [
        (Method::GET, path.clone(), None),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({"status": "archived"})),
        ),
        (Method::DELETE, path.clone(), None),
        (
            Method::POST,
            format!("{INBOX}/process"),
            Some(json!({"itemId": item["id"]})),
        ),
    ] {
        let res = bob.send_json(method.clone(), &url, body.as_ref()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {url}");
        res.problem(StatusCode::NOT_FOUND, "not_found");
    }
    let list = bob.get(INBOX).await.ok_json(StatusCode::OK);
    assert_eq!(list["pagination"]["total"], 0);
    let stats = bob
        .get(&format!("{INBOX}/stats"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(stats["total"], 0);
    let queue = bob
        .get(&format!("{INBOX}/queue"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(queue["totalQueued"], 0);
    assert_eq!(alice.get(&path).await.ok_json(StatusCode::OK), item);
}
