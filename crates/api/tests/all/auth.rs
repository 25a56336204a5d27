//! Authentication (401) and CSRF (403).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use crate::common::{problem, setup};
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

/// Signs arbitrary claims with HS256 under the test secret (independent of `Claims`, so
/// the test also states what an issuer may send).
fn mint(claims: &Value) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, TEST_JWT_SECRET);
    let sig = URL_SAFE_NO_PAD.encode(ring::hmac::sign(&key, input.as_bytes()).as_ref());
    format!("{input}.{sig}")
}

/// Supabase-shaped claims for `user` issued at `iat`, valid an hour.
fn supabase_claims(user: uuid::Uuid, iat: i64) -> Value {
    json!({"sub": user, "aud": "authenticated", "role": "authenticated",
           "iat": iat, "exp": iat + 3600})
}

async fn me_status(ctx: &common::Ctx, token: &str) -> reqwest::Response {
    ctx.app
        .http
        .get(ctx.app.url("/api/v1/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_and_anon_roles_future_issue_times_and_long_lifetimes_are_401() {
    let ctx = setup().await;
    let user = TestApp::new_user().into_uuid();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut claims = supabase_claims(user, now);
        edit(&mut claims);
        mint(&claims)
    };
    assert_eq!(
        me_status(&ctx, &with(&|_| {})).await.status(),
        StatusCode::OK
    );
    let refused = [
        with(&|c| c["role"] = json!("service_role")),
        with(&|c| c["role"] = json!("anon")),
        with(&|c| {
            c.as_object_mut().map(|o| o.remove("role"));
        }),
        with(&|c| c["iat"] = json!(now + 3000)),
        with(&|c| {
            c.as_object_mut().map(|o| o.remove("iat"));
        }),
        with(&|c| c["exp"] = json!(now + 365 * 24 * 3600)),
        with(&|c| c["nbf"] = json!("99999999999")),
    ];
    for token in refused {
        problem(
            me_status(&ctx, &token).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_reports_the_expiry_as_rfc3339() {
    let ctx = setup().await;
    let user = TestApp::new_user().into_uuid();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let me: Value = me_status(&ctx, &mint(&supabase_claims(user, now)))
        .await
        .json()
        .await
        .unwrap();
    let expires = me["expiresAt"].as_str().unwrap_or_default();
    let parsed =
        OffsetDateTime::parse(expires, &time::format_description::well_known::Rfc3339).ok();
    assert_eq!(
        parsed.map(OffsetDateTime::unix_timestamp),
        Some(now + 3600),
        "{me}"
    );
}

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
