//! Cookie sessions and `GET /api/v1/auth/csrf`: unsafe requests need the CSRF token, bound to the session.

use crate::common;
use crate::common::auth::*;
use crate::common::{problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;

async fn csrf_for(ctx: &common::Ctx, cookie: &str) -> String {
    let res = ctx
        .app
        .http
        .get(ctx.app.url("/api/v1/auth/csrf"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["csrfToken"].as_str().unwrap().to_owned()
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
async fn csrf_tokens_are_bound_to_the_session_not_only_the_user() {
    let ctx = setup().await;
    let user = TestApp::new_user().into_uuid();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let session = |id: Option<&str>, iat: i64| {
        let mut claims = supabase_claims(user, iat);
        if let Some(id) = id {
            claims["session_id"] = json!(id);
        }
        format!("sb-access-token={}", mint(&claims))
    };
    let post = |cookie: String, token: String| {
        let ctx = &ctx;
        async move {
            ctx.app
                .http
                .post(ctx.app.url("/api/v1/contacts"))
                .header("cookie", cookie)
                .header("x-csrf-token", token)
                .json(&json!({"displayName": "Session Bound"}))
                .send()
                .await
                .unwrap()
        }
    };
    let sign_in_a = "11111111-aaaa-4aaa-8aaa-111111111111";
    let sign_in_b = "22222222-bbbb-4bbb-8bbb-222222222222";

    // Sign-in A's token works in sign-in A, also after an access-token refresh.
    let a = session(Some(sign_in_a), now);
    let token_a = csrf_for(&ctx, &a).await;
    assert_eq!(
        post(a.clone(), token_a.clone()).await.status(),
        StatusCode::CREATED
    );
    let a_refreshed = session(Some(sign_in_a), now + 5);
    assert_eq!(
        post(a_refreshed, token_a.clone()).await.status(),
        StatusCode::CREATED
    );

    // The same user's other sign-in B does not accept it.
    let b = session(Some(sign_in_b), now);
    problem(
        post(b, token_a.clone()).await,
        StatusCode::FORBIDDEN,
        "csrf_failed",
    )
    .await;

    // Without a session id the token is bound to the access token's `iat`.
    let old = session(None, now - 60);
    let token_old = csrf_for(&ctx, &old).await;
    assert_eq!(
        post(old, token_old.clone()).await.status(),
        StatusCode::CREATED
    );
    problem(
        post(session(None, now), token_old).await,
        StatusCode::FORBIDDEN,
        "csrf_failed",
    )
    .await;
}
