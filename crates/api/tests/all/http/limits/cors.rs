//! CORS from the `OMNICRM_ALLOWED_ORIGINS` allow-list.

use std::time::Duration;

use omnicrm_api::AllowedOrigins;
use omnicrm_testkit::{ProxyMode, Requester, TestApp, TestAppOptions, TestDb, TestResponse};
use reqwest::{Method, StatusCode};

use super::operations;
use crate::common::behind_proxy;

const LISTED: &str = "https://app.example";
const UNLISTED: &str = "https://evil.example";

fn with_origins() -> TestAppOptions {
    TestAppOptions {
        allowed_origins: AllowedOrigins::new(vec![
            LISTED.to_owned(),
            "http://localhost:5173".to_owned(),
        ]),
        ..TestAppOptions::default()
    }
}

async fn preflight(
    caller: &Requester<'_>,
    origin: &str,
    method: &Method,
    path: &str,
) -> TestResponse {
    caller
        .send(
            caller
                .request(Method::OPTIONS, path)
                .header("origin", origin)
                .header("access-control-request-method", method.as_str())
                .header(
                    "access-control-request-headers",
                    "Authorization, Content-Type, X-CSRF-Token",
                ),
        )
        .await
}

fn assert_no_cors(res: &TestResponse, what: &str) {
    for (name, _) in res.headers() {
        assert!(
            !name.as_str().starts_with("access-control-"),
            "{what}: {name} present"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_allow_list_there_are_no_cors_headers() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user()).header("origin", LISTED);
    let res = alice.get("/api/v1/contacts").await.expect(StatusCode::OK);
    assert_no_cors(&res, "GET");
    let res = preflight(&app.anonymous(), LISTED, &Method::POST, "/api/v1/contacts").await;
    assert_no_cors(&res, "preflight");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_origin_gets_credentials_and_the_headers_it_needs() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn_with(&db, with_origins()).await;
    let alice = app.as_user(TestApp::new_user()).header("origin", LISTED);
    let res = alice
        .post_json(
            "/api/v1/contacts",
            &serde_json::json!({"displayName": "Ada"}),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(res.header("access-control-allow-origin"), Some(LISTED));
    assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
    let exposed = res
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    for needed in [
        "ratelimit-policy",
        "ratelimit",
        "etag",
        "location",
        "retry-after",
        "x-request-id",
    ] {
        assert!(
            exposed.split(", ").any(|h| h == needed),
            "{needed} not in {exposed}"
        );
    }
    assert!(res.headers().get_all("vary").iter().any(|v| v == "Origin"));
    // Problems too: the client must be able to read why it was refused.
    let res = app
        .anonymous()
        .header("origin", LISTED)
        .get("/api/v1/contacts")
        .await;
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(res.header("access-control-allow-origin"), Some(LISTED));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlisted_origin_is_served_without_cors_headers() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn_with(&db, with_origins()).await;
    let alice = app.as_user(TestApp::new_user()).header("origin", UNLISTED);
    let res = alice.get("/api/v1/contacts").await.expect(StatusCode::OK);
    assert_no_cors(&res, "GET");
    let res = preflight(
        &app.anonymous(),
        UNLISTED,
        &Method::DELETE,
        "/api/v1/contacts",
    )
    .await;
    assert_no_cors(&res, "preflight");
    assert_ne!(res.status(), StatusCode::NO_CONTENT);
    // A look-alike is not the listed origin.
    let res = preflight(
        &app.anonymous(),
        "https://app.example.evil.example",
        &Method::GET,
        "/api/v1/contacts",
    )
    .await;
    assert_no_cors(&res, "look-alike");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_a_listed_preflight_while_the_database_is_down() {
    let (_db, proxy, app) = behind_proxy(with_origins()).await;
    let anonymous = app.anonymous();
    proxy.set(ProxyMode::Reset);
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The database is really gone: a request that needs it is 503.
    app.as_user(TestApp::new_user())
        .get("/api/v1/contacts")
        .await
        .problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    for op in operations() {
        let res = preflight(&anonymous, "http://localhost:5173", &op.method, &op.path()).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{op}: {}", res.text());
        assert_eq!(
            res.header("access-control-allow-origin"),
            Some("http://localhost:5173"),
            "{op}"
        );
        assert_eq!(
            res.header("access-control-allow-credentials"),
            Some("true"),
            "{op}"
        );
        let methods = res
            .header("access-control-allow-methods")
            .unwrap_or_default();
        assert!(
            methods.split(", ").any(|m| m == op.method.as_str()),
            "{op}: {methods}"
        );
        assert_eq!(
            res.header("access-control-allow-headers"),
            Some("authorization, content-type, x-csrf-token"),
            "{op}"
        );
        assert_eq!(
            res.header("ratelimit"),
            None,
            "{op}: a preflight is not counted"
        );
    }
    proxy.set(ProxyMode::Forward);
    app.stop().await;
}
