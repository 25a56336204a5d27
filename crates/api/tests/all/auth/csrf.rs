//! Cookie sessions and `GET /api/v1/auth/csrf`: unsafe requests need the CSRF token, bound to the session.

use crate::common;
use crate::common::auth::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// A CSRF token for the session in `cookie` (a whole `Cookie` header).
async fn csrf_for(ctx: &common::Ctx, cookie: &str) -> String {
    let body: Value = ctx
        .app
        .anonymous()
        .header("cookie", cookie)
        .get("/api/v1/auth/csrf")
        .await
        .json();
    body["csrfToken"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_sessions_need_the_csrf_token_on_unsafe_requests() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let session = ctx.app.with_session_cookie(user);
    let url = "/api/v1/contacts";

    // Safe requests with the cookie alone work.
    session.get(url).await.expect(StatusCode::OK);

    // Unsafe without the token: 403 csrf_failed, nothing stored.
    session
        .post_json(url, &json!({"displayName": "X"}))
        .await
        .problem(StatusCode::FORBIDDEN, "csrf_failed");

    // A token issued for someone else does not pass either.
    let other: Value = ctx
        .app
        .as_user(TestApp::new_user())
        .get("/api/v1/auth/csrf")
        .await
        .json();
    session
        .clone()
        .header("x-csrf-token", other["csrfToken"].as_str().unwrap())
        .post_json(url, &json!({"displayName": "X"}))
        .await
        .problem(StatusCode::FORBIDDEN, "csrf_failed");

    // With its own token (also set as the `csrf` cookie) the request goes through.
    let res = session.get("/api/v1/auth/csrf").await;
    let set_cookie = res.header("set-cookie").unwrap_or("").to_owned();
    let csrf: Value = res.json();
    let token = csrf["csrfToken"].as_str().unwrap();
    assert!(
        set_cookie.starts_with(&format!("csrf={token}")) && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    session
        .clone()
        .header("x-csrf-token", token)
        .post_json(url, &json!({"displayName": "X"}))
        .await
        .expect(StatusCode::CREATED);

    // Authentication is checked before CSRF: a bad cookie is 401, not 403.
    ctx.app
        .anonymous()
        .header("cookie", "sb-access-token=bogus")
        .post_json(url, &json!({"displayName": "X"}))
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
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
        let caller = ctx
            .app
            .anonymous()
            .header("cookie", &cookie)
            .header("x-csrf-token", &token);
        async move {
            caller
                .post_json("/api/v1/contacts", &json!({"displayName": "Session Bound"}))
                .await
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
    post(b, token_a.clone())
        .await
        .problem(StatusCode::FORBIDDEN, "csrf_failed");

    // Without a session id the token is bound to the access token's `iat`.
    let old = session(None, now - 60);
    let token_old = csrf_for(&ctx, &old).await;
    assert_eq!(
        post(old, token_old.clone()).await.status(),
        StatusCode::CREATED
    );
    post(session(None, now), token_old)
        .await
        .problem(StatusCode::FORBIDDEN, "csrf_failed");
}
