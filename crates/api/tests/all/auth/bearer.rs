//! Bearer tokens: missing, expired, badly signed, wrong audience, wrong role, future or too long-lived tokens are 401; the bearer header wins over the cookie.

use crate::common::auth::*;
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
