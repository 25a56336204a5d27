//! The public routes' rate limit: per client address and per token, counted in Postgres, failing closed.

use crate::common::onboarding::*;
use crate::common::{Ctx, behind_proxy};
use omnicrm_testkit::{ProxyMode, TestApp, TestAppOptions, TestDb, TestResponse};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Sliding windows weigh the previous minute in; start a burst early in a minute so the
/// whole burst sees the same window.
async fn early_in_a_minute() {
    let second = OffsetDateTime::now_utc().second();
    if second >= 50 {
        tokio::time::sleep(Duration::from_secs(u64::from(61 - second))).await;
    }
}

async fn get_as(app: &TestApp, ip: &str, path: &str) -> TestResponse {
    app.anonymous()
        .header("x-forwarded-for", ip)
        .get(path)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sixth_request_in_a_minute_is_429_with_rate_limit_headers() {
    let db = TestDb::new().await.unwrap();
    let app = limited_app(&db, 5).await;
    let status = "/api/v1/onboarding/public/tokens/unknown-token";
    early_in_a_minute().await;
    for n in 0..5 {
        let res = get_as(&app, "203.0.113.1", status).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "request {n}");
        assert_eq!(header(&res, "ratelimit-policy"), "\"public-ip\";q=5;w=60");
        let state = header(&res, "ratelimit");
        assert!(
            state.starts_with(&format!("\"public-ip\";r={};t=", 4 - n)),
            "request {n}: {state}"
        );
    }
    let res = get_as(&app, "203.0.113.1", status).await;
    assert_eq!(header(&res, "ratelimit-policy"), "\"public-ip\";q=5;w=60");
    assert!(header(&res, "ratelimit").starts_with("\"public-ip\";r=0;t="));
    let retry_after: u64 = header(&res, "retry-after").parse().unwrap();
    assert!((1..=120).contains(&retry_after), "{retry_after}");
    res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");

    // A second server instance over the same database sees the same count.
    let second_instance = limited_app(&db, 5).await;
    let res = get_as(&second_instance, "203.0.113.1", status).await;
    res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");

    // Another address has its own budget; so has another public route.
    let res = get_as(&app, "203.0.113.2", status).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .anonymous()
        .header("x-forwarded-for", "203.0.113.1")
        .post_json(TRACK, &json!({"token": "unknown-token"}))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Authenticated routes are not limited by the public limiter but per user.
    let user = TestApp::new_user();
    let res = app
        .as_user(user)
        .header("x-forwarded-for", "203.0.113.1")
        .get(TOKENS)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.header("ratelimit-policy")
            .unwrap_or("")
            .starts_with("\"user-read\";")
    );
    // A client that does not come through a trusted proxy cannot pick its bucket.
    let default_app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            public_rate_limit: 5,
            ..TestAppOptions::default()
        },
    )
    .await;
    for n in 0..6 {
        let res = get_as(&default_app, &format!("198.51.100.{n}"), status).await;
        if n < 5 {
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "request {n}");
        } else {
            res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submissions_are_also_limited_per_token() {
    let db = TestDb::new().await.unwrap();
    let app = limited_app(&db, 5).await;
    let ctx = Ctx { db, app };
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let (token, _) = new_token(&as_user).await;
    let (other_token, _) = new_token(&as_user).await;
    let submit_as = |ip: String, token: String| {
        let visitor = ctx.app.anonymous().header("x-forwarded-for", &ip);
        async move {
            visitor
                .post_json(SUBMIT, &form(&token, "ann@example.com"))
                .await
        }
    };
    early_in_a_minute().await;
    for n in 1..=5 {
        let res = submit_as(format!("10.9.0.{n}"), token.clone()).await;
        let expected = if n == 1 {
            StatusCode::CREATED
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(res.status(), expected, "submission {n}");
        assert_eq!(
            header(&res, "ratelimit-policy"),
            "\"public-ip\";q=5;w=60, \"onboarding-token\";q=5;w=60"
        );
    }
    // A sixth address, still the same token: refused by the token's budget.
    let res = submit_as("10.9.0.6".to_owned(), token.clone()).await;
    assert!(header(&res, "ratelimit").contains("\"onboarding-token\";r=0;t="));
    assert!(!header(&res, "retry-after").is_empty());
    res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // The same address with another token is fine.
    let res = submit_as("10.9.0.6".to_owned(), other_token).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limiter_fails_closed_when_the_database_is_unreachable() {
    let (_db, proxy, app) = behind_proxy(TestAppOptions {
        public_rate_limit: 5,
        ..TestAppOptions::default()
    })
    .await;
    // A malformed body never reaches the database in the handler: only the limiter asks.
    let anonymous = app.anonymous();
    let malformed = || anonymous.send_bytes(Method::POST, SUBMIT, "application/json", "{");
    let res = malformed().await;
    res.problem(StatusCode::BAD_REQUEST, "malformed_request");

    proxy.set(ProxyMode::Reset);
    let started = Instant::now();
    let res = malformed().await;
    assert!(res.header("ratelimit").is_none());
    res.problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(started.elapsed() < Duration::from_secs(5));
    let res = app
        .anonymous()
        .get("/api/v1/onboarding/public/tokens/whatever")
        .await;
    res.problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");

    proxy.set(ProxyMode::Forward);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = malformed().await.status();
        if status == StatusCode::BAD_REQUEST {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery, still {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.stop().await;
}
