//! Per-user rate limits on every authenticated operation, per-address ones on public
//! operations, counted in Postgres so every instance shares them.

use std::time::Duration;

use omnicrm_testkit::{TestApp, TestAppOptions, TestDb, TestResponse};
use reqwest::StatusCode;

use super::{Operation, document, operations, per_user_operations};

/// Long, so no test straddles the start of a window.
const WINDOW: Duration = Duration::from_secs(3600);

async fn app_with_user_limit(db: &TestDb, limit: u32) -> TestApp {
    TestApp::spawn_with(
        db,
        TestAppOptions {
            user_rate_limit: limit,
            rate_limit_window: WINDOW,
            ..TestAppOptions::default()
        },
    )
    .await
}

async fn send(app: &TestApp, user: omnicrm_domain::UserId, op: &Operation) -> TestResponse {
    let caller = app.as_user(user);
    caller
        .send(caller.request(op.method.clone(), &op.path()))
        .await
}

fn assert_headers(res: &TestResponse, op: &Operation, policy: &str, limit: u32, left: u32) {
    assert_eq!(
        res.header("ratelimit-policy"),
        Some(format!("\"{policy}\";q={limit};w={}", WINDOW.as_secs()).as_str()),
        "{op}: {}",
        res.text()
    );
    let state = res.header("ratelimit").unwrap_or_default();
    assert!(
        state.starts_with(&format!("\"{policy}\";r={left};t=")),
        "{op}: RateLimit {state:?}, expected r={left}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_authenticated_operation_is_limited_per_user_and_class() {
    let db = TestDb::new().await.unwrap();
    let limit = 2;
    let app = app_with_user_limit(&db, limit).await;
    let ops = per_user_operations();
    assert!(ops.len() > 40, "{}", ops.len());
    for op in &ops {
        // A fresh user per operation: every one starts with a full bucket of its class.
        let user = TestApp::new_user();
        let policy = format!("user-{}", op.rate_class);
        for used in 1..=limit {
            let res = send(&app, user, op).await;
            assert_ne!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{op}");
            assert_headers(&res, op, &policy, limit, limit - used);
        }
        let refused = send(&app, user, op).await;
        let problem = refused.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        assert!(
            problem["detail"].as_str().unwrap_or("").contains(&policy),
            "{op}: {problem}"
        );
        let retry_after: u64 = refused
            .header("retry-after")
            .unwrap_or_else(|| panic!("{op}: no Retry-After"))
            .parse()
            .unwrap();
        assert!((1..=WINDOW.as_secs()).contains(&retry_after), "{op}");
        assert_headers(&refused, op, &policy, limit, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classes_and_users_do_not_share_buckets() {
    let db = TestDb::new().await.unwrap();
    let app = app_with_user_limit(&db, 2).await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let list = "/api/v1/contacts";
    for _ in 0..2 {
        app.as_user(alice).get(list).await.expect(StatusCode::OK);
    }
    app.as_user(alice)
        .get(list)
        .await
        .problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // Another route of the same class shares alice's read bucket ...
    app.as_user(alice)
        .get("/api/v1/tags")
        .await
        .problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // ... her writes have a bucket of their own ...
    app.as_user(alice)
        .post_json(
            "/api/v1/contacts",
            &serde_json::json!({"displayName": "Ada"}),
        )
        .await
        .expect(StatusCode::CREATED);
    // ... and bob has his.
    let res = app.as_user(bob).get(list).await.expect(StatusCode::OK);
    assert_eq!(
        res.header("ratelimit-policy"),
        Some("\"user-read\";q=2;w=3600")
    );
    // The limiter's verification of bob's token serves his request only: the next request
    // on the same kept-alive connection, without a token, is 401.
    app.anonymous()
        .get(list)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_over_one_database_share_a_bucket() {
    let db = TestDb::new().await.unwrap();
    let first = app_with_user_limit(&db, 3).await;
    let second = app_with_user_limit(&db, 3).await;
    let alice = TestApp::new_user();
    first
        .as_user(alice)
        .get("/api/v1/contacts")
        .await
        .expect(StatusCode::OK);
    second
        .as_user(alice)
        .get("/api/v1/contacts")
        .await
        .expect(StatusCode::OK);
    let res = first
        .as_user(alice)
        .get("/api/v1/notes")
        .await
        .expect(StatusCode::OK);
    assert!(
        res.header("ratelimit")
            .unwrap()
            .starts_with("\"user-read\";r=0;")
    );
    second
        .as_user(alice)
        .get("/api/v1/contacts")
        .await
        .problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_a_valid_token_share_one_bucket_per_address() {
    let db = TestDb::new().await.unwrap();
    let app = app_with_user_limit(&db, 2).await;
    let anonymous = app.anonymous();
    for path in ["/api/v1/contacts", "/api/v1/notes"] {
        let res = anonymous.get(path).await;
        res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        assert!(
            res.header("ratelimit-policy")
                .unwrap()
                .starts_with("\"anonymous-ip\";q=2;")
        );
    }
    let forged = anonymous
        .clone()
        .header("authorization", "Bearer not-a-token");
    let res = forged.get("/api/v1/tags").await;
    res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(res.header("retry-after").is_some());
    // A user with a valid token is not held back by them.
    app.as_user(TestApp::new_user())
        .get("/api/v1/tags")
        .await
        .expect(StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_operations_carry_their_address_policy_and_probes_none() {
    let db = TestDb::new().await.unwrap();
    let app = app_with_user_limit(&db, 2).await;
    let anonymous = app.anonymous();
    for op in operations() {
        let res = anonymous
            .send(anonymous.request(op.method.clone(), &op.path()))
            .await;
        let policy = res.header("ratelimit-policy");
        match op.rate_class.as_str() {
            "public" => assert!(
                policy.unwrap_or_default().starts_with("\"public-ip\";"),
                "{op}: {policy:?}"
            ),
            "download" => assert!(
                policy.unwrap_or_default().starts_with("\"download-ip\";"),
                "{op}: {policy:?}"
            ),
            "exempt" => {
                assert_eq!(policy, None, "{op}");
                assert_eq!(res.header("ratelimit"), None, "{op}");
            }
            _ => assert!(
                policy.unwrap_or_default().starts_with("\"anonymous-ip\";"),
                "{op}: {policy:?}"
            ),
        }
    }
    let exempt: Vec<String> = operations()
        .into_iter()
        .filter(|op| op.rate_class == "exempt")
        .map(|op| op.template)
        .collect();
    assert_eq!(
        exempt,
        [
            "/api/v1/cron/process-inbox",
            "/api/v1/cron/process-jobs",
            "/api/v1/health",
            "/api/v1/health/ready",
            "/api/v1/openapi.json",
            "/problems/{code}"
        ]
    );
}

#[test]
fn the_document_declares_429_and_the_headers_on_every_limited_operation() {
    let doc = document();
    for op in operations() {
        let responses = &doc["paths"][&op.template][op.method.as_str().to_lowercase()]["responses"];
        if op.rate_class == "exempt" {
            continue;
        }
        let refused = &responses["429"];
        assert!(
            refused["headers"]["Retry-After"].is_object(),
            "{op}: {refused}"
        );
        for (status, response) in responses.as_object().unwrap() {
            for header in ["RateLimit-Policy", "RateLimit"] {
                assert!(
                    response["headers"][header].is_object(),
                    "{op} {status}: no {header}"
                );
            }
        }
    }
}
