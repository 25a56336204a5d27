//! Authentication (401) and CSRF (403).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{problem, setup};
use omnicrm_api::auth::{Claims, mint_token};
use omnicrm_testkit::{TEST_JWT_SECRET, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_expired_badly_signed_and_wrong_audience_tokens_are_401() {
    let ctx = setup().await;
    let user = TestApp::new_user().into_uuid();
    let now = OffsetDateTime::now_utc();
    let expired = mint_token(
        TEST_JWT_SECRET,
        &Claims::for_user(user, "authenticated", now - time::Duration::hours(2), 3600),
    );
    let wrong_key = mint_token(
        b"not-the-server-secret-not-the-server-secret",
        &Claims::for_user(user, "authenticated", now, 3600),
    );
    let wrong_aud = mint_token(TEST_JWT_SECRET, &Claims::for_user(user, "anon", now, 3600));
    let url = ctx.app.url("/api/v1/contacts");

    let res = ctx.app.http.get(&url).send().await.unwrap();
    assert_eq!(
        res.headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    for token in [expired, wrong_key, wrong_aud, "garbage".to_owned()] {
        let res = ctx
            .app
            .http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    let res = ctx
        .app
        .http
        .get(&url)
        .header("authorization", "Basic dXNlcjpwdw==")
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    let me: Value = ctx
        .app
        .http
        .get(ctx.app.url("/api/v1/auth/me"))
        .bearer_auth(TestApp::token(user.into()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["userId"], user.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_sessions_need_the_csrf_token_on_unsafe_requests() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let cookie = format!("sb-access-token={}", TestApp::token(user));
    let url = ctx.app.url("/api/v1/contacts");

    // Safe requests with the cookie alone work.
    let res = ctx
        .app
        .http
        .get(&url)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // Unsafe without the token: 403 csrf_failed, nothing stored.
    let res = ctx
        .app
        .http
        .post(&url)
        .header("cookie", &cookie)
        .json(&json!({"displayName": "X"}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::FORBIDDEN, "csrf_failed").await;

    // A token issued for someone else does not pass either.
    let other = ctx
        .app
        .http
        .get(ctx.app.url("/api/v1/auth/csrf"))
        .bearer_auth(TestApp::token(TestApp::new_user()))
        .send()
        .await
        .unwrap();
    let other: Value = other.json().await.unwrap();
    let res = ctx
        .app
        .http
        .post(&url)
        .header("cookie", &cookie)
        .header("x-csrf-token", other["csrfToken"].as_str().unwrap())
        .json(&json!({"displayName": "X"}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::FORBIDDEN, "csrf_failed").await;

    // With its own token (also set as the `csrf` cookie) the request goes through.
    let res = ctx
        .app
        .http
        .get(ctx.app.url("/api/v1/auth/csrf"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let set_cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let csrf: Value = res.json().await.unwrap();
    let token = csrf["csrfToken"].as_str().unwrap();
    assert!(
        set_cookie.starts_with(&format!("csrf={token}")) && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let res = ctx
        .app
        .http
        .post(&url)
        .header("cookie", &cookie)
        .header("x-csrf-token", token)
        .json(&json!({"displayName": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    // Authentication is checked before CSRF: a bad cookie is 401, not 403.
    let res = ctx
        .app
        .http
        .post(&url)
        .header("cookie", "sb-access-token=bogus")
        .json(&json!({"displayName": "X"}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bearer_header_wins_over_the_cookie() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let res = ctx
        .app
        .http
        .post(ctx.app.url("/api/v1/contacts"))
        .bearer_auth(TestApp::token(alice))
        .header("cookie", format!("sb-access-token={}", TestApp::token(bob)))
        .json(&json!({"displayName": "Bearer Wins"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "a bearer request needs no CSRF token"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["userId"], alice.to_string());
}
