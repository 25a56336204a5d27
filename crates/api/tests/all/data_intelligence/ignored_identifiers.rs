//! `/api/v1/data-intelligence/ignored-identifiers`: normalised, unique, only the reason changes.

use crate::common::identities::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignored_identifiers_are_normalised_unique_and_only_their_reason_changes() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let res = as_user
        .post_json(
            IGNORED,
            &json!({"kind": "email", "value": " News@Shop.COM ", "reason": "newsletter"}),
        )
        .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let news = res.ok_json(StatusCode::CREATED);
    assert_eq!(news["value"], "news@shop.com");
    assert_eq!(news["reason"], "newsletter");
    assert_eq!(
        location,
        format!("{IGNORED}/{}", news["id"].as_str().unwrap())
    );
    let phone = as_user
        .post_json(IGNORED, &json!({"kind": "phone", "value": "202 555 0143"}))
        .await
        .ok_json(StatusCode::CREATED);
    assert_eq!(phone["value"], "+12025550143");
    assert_eq!(phone["reason"], Value::Null);
    as_user
        .post_json(IGNORED, &json!({"kind": "email", "value": "news@shop.com"}))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    let bad = as_user
        .post_json(IGNORED, &json!({"kind": "phone", "value": "call me"}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&bad), ["/value"]);
    let long = as_user
        .post_json(
            IGNORED,
            &json!({"kind": "handle", "value": "x", "reason": "r".repeat(501)}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&long), ["/reason"]);

    let changed = as_user
        .patch_json(&location, &json!({"reason": "unsubscribed"}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(changed["reason"], "unsubscribed");
    assert_eq!(changed["value"], "news@shop.com");
    let cleared = as_user
        .patch_json(&location, &json!({"reason": null}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(cleared["reason"], Value::Null);
    as_user
        .patch_json(&location, &json!({"value": "other@shop.com"}))
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");

    let list = as_user
        .get(&format!("{IGNORED}?order=asc"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(values(&list), ["news@shop.com", "+12025550143"]);
    let phones = as_user
        .get(&format!("{IGNORED}?kind=phone"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(values(&phones), ["+12025550143"]);

    assert_eq!(
        as_user.delete(&location).await.status(),
        StatusCode::NO_CONTENT
    );
    as_user
        .get(&location)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
