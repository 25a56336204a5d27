//! Unknown routes, wrong methods, request ids, security headers, problem pages, and the generic 500.

use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let ctx = setup().await;
    let res = ctx.app.anonymous().get("/api/v1/nothing-here").await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    let res = ctx
        .app
        .anonymous()
        .send_json(
            Method::PUT,
            "/api/v1/contacts/0193c1a0-0000-7000-8000-000000000001",
            None,
        )
        .await;
    assert_eq!(res.header("allow"), Some("DELETE, GET, PATCH"));
    res.problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_a_request_id_and_security_headers() {
    let ctx = setup().await;
    let res = ctx
        .app
        .anonymous()
        .header("x-request-id", "client-chosen-42")
        .get("/api/v1/health")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| res.header(name).map(str::to_owned);
    assert_eq!(header("x-request-id").as_deref(), Some("client-chosen-42"));
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"));
    let res = ctx
        .app
        .anonymous()
        .header("x-request-id", "has spaces and is way too weird")
        .get("/api/v1/health")
        .await;
    let id = res.header("x-request-id").unwrap_or("");
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "an insane id is replaced: {id}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn problem_types_resolve_to_human_pages() {
    let ctx = setup().await;
    let res = ctx.app.anonymous().get("/api/v1/nothing").await;
    let body = res.problem(StatusCode::NOT_FOUND, "not_found");
    let page = ctx
        .app
        .anonymous()
        .get(body["type"].as_str().unwrap())
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().contains("Not found"));
    let res = ctx.app.anonymous().get("/problems/no-such-problem").await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unexpected_error_is_a_generic_500_with_the_request_id() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    // A row the application cannot read back (written behind its back): its address is
    // not an address object, so decoding it fails inside the service.
    let owner = ctx.db.owner().await.unwrap();
    let id = uuid::Uuid::now_v7();
    owner
        .execute(
            "INSERT INTO tenants (user_id) VALUES ($1)",
            &[&user.into_uuid()],
        )
        .await
        .unwrap();
    owner
        .execute(
            "INSERT INTO contacts (user_id, id, display_name, address) VALUES ($1, $2, 'Broken', '{\"street\": 42, \"secret\": \"db-internal\"}')",
            &[&user.into_uuid(), &id],
        )
        .await
        .unwrap();
    let res = ctx
        .app
        .as_user(user)
        .get(&format!("/api/v1/contacts/{id}"))
        .await;
    let body: Value = res.problem(StatusCode::INTERNAL_SERVER_ERROR, "internal");
    let text = body.to_string();
    assert!(
        !text.contains("street") && !text.contains("db-internal") && !text.contains("invalid type"),
        "{text}"
    );
    assert!(body["detail"].as_str().unwrap().contains("requestId"));
}
