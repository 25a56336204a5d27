//! Bearer tokens: missing, expired, badly signed, wrong audience, wrong role, future or too long-lived tokens are 401; the bearer header wins over the cookie.

use crate::common::auth::*;
use crate::common::setup;
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
    let url = "/api/v1/contacts";

    let res = ctx.app.anonymous().get(url).await;
    assert_eq!(res.header("www-authenticate"), Some("Bearer"));
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    for token in [expired, wrong_key, wrong_aud, "garbage".to_owned()] {
        ctx.app
            .with_bearer(&token)
            .get(url)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    ctx.app
        .anonymous()
        .header("authorization", "Basic dXNlcjpwdw==")
        .get(url)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");

    let me: Value = ctx
        .app
        .as_user(user.into())
        .get("/api/v1/auth/me")
        .await
        .json();
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
        me_status(&ctx, &token)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bearer_header_wins_over_the_cookie() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let res = ctx
        .app
        .as_user(alice)
        .header(
            "cookie",
            &format!("sb-access-token={}", TestApp::token(bob)),
        )
        .post_json("/api/v1/contacts", &json!({"displayName": "Bearer Wins"}))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "a bearer request needs no CSRF token"
    );
    let body: Value = res.json();
    assert_eq!(body["userId"], alice.to_string());
}
