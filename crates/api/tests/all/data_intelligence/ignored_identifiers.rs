//! `/api/v1/data-intelligence/ignored-identifiers`: normalised, unique, only the reason changes.

use crate::common::identities::*;
use crate::common::{pointers, problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignored_identifiers_are_normalised_unique_and_only_their_reason_changes() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let res = ctx
        .send(
            user,
            Method::POST,
            IGNORED,
            Some(json!({"kind": "email", "value": " News@Shop.COM ", "reason": "newsletter"})),
        )
        .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let news = json_of(res, StatusCode::CREATED).await;
    assert_eq!(news["value"], "news@shop.com");
    assert_eq!(news["reason"], "newsletter");
    assert_eq!(
        location,
        format!("{IGNORED}/{}", news["id"].as_str().unwrap())
    );
    let phone = json_of(
        ctx.send(
            user,
            Method::POST,
            IGNORED,
            Some(json!({"kind": "phone", "value": "202 555 0143"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(phone["value"], "+12025550143");
    assert_eq!(phone["reason"], Value::Null);
    problem(
        ctx.send(
            user,
            Method::POST,
            IGNORED,
            Some(json!({"kind": "email", "value": "news@shop.com"})),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let bad = problem(
        ctx.send(
            user,
            Method::POST,
            IGNORED,
            Some(json!({"kind": "phone", "value": "call me"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&bad), ["/value"]);
    let long = problem(
        ctx.send(
            user,
            Method::POST,
            IGNORED,
            Some(json!({"kind": "handle", "value": "x", "reason": "r".repeat(501)})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&long), ["/reason"]);

    let changed = json_of(
        ctx.send(
            user,
            Method::PATCH,
            &location,
            Some(json!({"reason": "unsubscribed"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["reason"], "unsubscribed");
    assert_eq!(changed["value"], "news@shop.com");
    let cleared = json_of(
        ctx.send(
            user,
            Method::PATCH,
            &location,
            Some(json!({"reason": null})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared["reason"], Value::Null);
    problem(
        ctx.send(
            user,
            Method::PATCH,
            &location,
            Some(json!({"value": "other@shop.com"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;

    let list = json_of(
        ctx.send(user, Method::GET, &format!("{IGNORED}?order=asc"), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(values(&list), ["news@shop.com", "+12025550143"]);
    let phones = json_of(
        ctx.send(user, Method::GET, &format!("{IGNORED}?kind=phone"), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(values(&phones), ["+12025550143"]);

    assert_eq!(
        ctx.send(user, Method::DELETE, &location, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    problem(
        ctx.send(user, Method::GET, &location, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
