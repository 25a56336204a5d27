//! Bad input never crashes anything: it gets a clear problem.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_fields_are_400_validation_failed_with_camel_case_pointers() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let res = ctx
        .app
        .as_user(user)
        .post_json(
            "/api/v1/contacts",
            &json!({
                "displayName": "",
                "primaryEmail": "not an email",
                "confidenceScore": 7,
                "address": {"postalCode": "x".repeat(40)},
                "healthContext": {"conditions": ["ok", ""]}
            }),
        )
        .await;
    let body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    let got = pointers(&body);
    for expected in [
        "/displayName",
        "/primaryEmail",
        "/confidenceScore",
        "/address/postalCode",
        "/healthContext/conditions/1",
    ] {
        assert!(
            got.contains(&expected.to_owned()),
            "{expected} missing in {got:?}"
        );
    }
    let mut fields = got;
    fields.sort();
    fields.dedup();
    assert_eq!(
        body["detail"],
        format!("{} fields are invalid", fields.len())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_types_missing_fields_and_nul_characters_are_validation_failures() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    for (body, pointer) in [
        (json!({}), "/displayName"),
        (json!({"displayName": 12}), "/displayName"),
        (
            json!({"displayName": "A", "address": {"city": ["x"]}}),
            "/address/city",
        ),
        (json!({"displayName": "A\u{0}B"}), "/displayName"),
        (
            json!({"displayName": "A", "dateOfBirth": "31/12/1990"}),
            "/dateOfBirth",
        ),
    ] {
        let res = ctx
            .app
            .as_user(user)
            .post_json("/api/v1/contacts", &body.clone())
            .await;
        let problem_body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&problem_body), vec![pointer.to_owned()], "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_wrong_content_type_and_unknown_fields_are_malformed_requests() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let send = |content_type: &'static str, body: Vec<u8>| {
        as_user.send_bytes(Method::POST, "/api/v1/contacts", content_type, body)
    };
    send("application/json", b"{\"displayName\": ".to_vec())
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    send("text/plain", b"{\"displayName\":\"A\"}".to_vec())
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    send("application/json", vec![b'"', 0xff, 0xfe, b'"'])
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    let body = send(
        "application/json",
        b"{\"displayName\":\"A\",\"nickname\":\"B\"}".to_vec(),
    )
    .await
    .problem(StatusCode::BAD_REQUEST, "malformed_request");
    assert!(
        body["detail"].as_str().unwrap().contains("nickname"),
        "{body}"
    );
    send("application/json", Vec::new())
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    // Nothing was stored by any of these.
    let count: serde_json::Value = as_user.get("/api/v1/contacts/count").await.json();
    assert_eq!(count["count"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_413() {
    let ctx = setup().await;
    let huge = json!({"displayName": "A", "referralSource": "x".repeat(400 * 1024)});
    let res = ctx
        .app
        .as_user(TestApp::new_user())
        .post_json("/api/v1/contacts", &huge)
        .await;
    res.problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}
