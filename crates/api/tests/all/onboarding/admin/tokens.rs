//! `/api/v1/onboarding/admin/tokens`: the token's life, shown once; validated bodies; another practitioner's tokens are 404.

use crate::common::onboarding::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;

// ------------------------------------------------------------------ practitioner side

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_lifecycle_and_the_token_is_shown_only_once() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let res = as_user
        .post_json(
            TOKENS,
            &json!({"hoursValid": 24, "label": " Ann's intake ", "maxUses": 3}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = header(&res, "location");
    let created: Value = res.json();
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("{TOKENS}/{id}"));
    assert_eq!(token.len(), 43, "32 random bytes, base64url");
    assert_eq!(
        created["publicUrl"],
        format!("{}/onboard/{token}", ctx.app.base_url)
    );
    assert_eq!(created["label"], "Ann's intake");
    assert_eq!(created["maxUses"], 3);
    let expires = OffsetDateTime::parse(
        created["expiresAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let hours = (expires - OffsetDateTime::now_utc()).whole_minutes() as f64 / 60.0;
    assert!((23.9..=24.0).contains(&hours), "{hours}");

    // The original path is an alias with the defaults of the rulebook.
    let alias = as_user
        .post_json("/api/v1/onboarding/admin/generate-tokens", &json!({}))
        .await;
    assert_eq!(alias.status(), StatusCode::CREATED);
    let alias: Value = alias.json();
    assert_eq!(alias["maxUses"], 1);

    // Only the hash is stored, and nothing readable ever carries the token again.
    let stored = owner_i64(
        &ctx,
        &format!(
            "SELECT count(*) FROM onboarding_tokens WHERE id = '{id}' AND token_hash = sha256('{token}'::bytea)"
        ),
    )
    .await;
    assert_eq!(stored, 1);
    let columns_with_token = owner_i64(
        &ctx,
        &format!("SELECT count(*) FROM onboarding_tokens t WHERE t::text LIKE '%{token}%'"),
    )
    .await;
    assert_eq!(columns_with_token, 0);
    let list = as_user.get(TOKENS).await;
    assert_eq!(list.status(), StatusCode::OK);
    let list_text = list.text();
    assert!(!list_text.contains(&token));
    let list: Value = serde_json::from_str(&list_text).unwrap();
    assert_eq!(list["pagination"]["total"], 2);
    assert_eq!(list["items"][0]["id"], alias["id"], "newest first");
    let info = token_info(&as_user, &id).await;
    assert!(info.get("token").is_none());
    for (key, want) in [
        ("isActive", json!(true)),
        ("disabled", json!(false)),
        ("usedCount", json!(0)),
        ("maxUses", json!(3)),
        ("accessCount", json!(0)),
        ("formStartedCount", json!(0)),
        ("submissionCount", json!(0)),
        ("lastAccessedAt", Value::Null),
        ("label", json!("Ann's intake")),
    ] {
        assert_eq!(info[key], want, "{key}");
    }
    let page2 = as_user.get(&format!("{TOKENS}?page=2&pageSize=1")).await;
    let page2: Value = page2.json();
    assert_eq!(page2["items"][0]["id"], id.as_str());

    // Disable: the public link stops working at once.
    assert_eq!(
        ctx.app
            .anonymous()
            .get(&format!("/api/v1/onboarding/public/tokens/{token}"))
            .await
            .status(),
        StatusCode::OK
    );
    // An action body is empty or `{}`: broken JSON is refused and disables nothing.
    let res = as_user
        .send_bytes(
            Method::POST,
            &format!("{TOKENS}/{id}/disable"),
            "application/json",
            "{\"disabled\": ",
        )
        .await;
    res.problem(StatusCode::BAD_REQUEST, "malformed_request");
    assert_eq!(
        ctx.app
            .anonymous()
            .get(&format!("/api/v1/onboarding/public/tokens/{token}"))
            .await
            .status(),
        StatusCode::OK
    );
    let disabled = as_user.post(&format!("{TOKENS}/{id}/disable")).await;
    assert_eq!(disabled.status(), StatusCode::OK);
    let disabled: Value = disabled.json();
    assert_eq!(
        (disabled["disabled"].clone(), disabled["isActive"].clone()),
        (json!(true), json!(false))
    );
    ctx.app
        .anonymous()
        .get(&format!("/api/v1/onboarding/public/tokens/{token}"))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");

    // Delete: gone for good.
    let deleted = as_user.delete(&format!("{TOKENS}/{id}")).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    for method in [Method::GET, Method::DELETE] {
        as_user
            .send_json(method, &format!("{TOKENS}/{id}"), None)
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_bodies_and_queries_are_validated() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let res = as_user
        .post_json(
            TOKENS,
            &json!({"hoursValid": 169, "maxUses": 0, "label": "x".repeat(101)}),
        )
        .await;
    let body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    let mut got = pointers(&body);
    got.sort();
    assert_eq!(got, ["/hoursValid", "/label", "/maxUses"]);
    let res = as_user.post_json(TOKENS, &json!({"hoursValid": 0})).await;
    let body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/hoursValid"]);
    let res = as_user.post_json(TOKENS, &json!({"hours_valid": 5})).await;
    res.problem(StatusCode::BAD_REQUEST, "malformed_request");
    let res = as_user.get(&format!("{TOKENS}?pageSize=0")).await;
    res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    let res = as_user.get(&format!("{TOKENS}/not-a-uuid")).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    // Without credentials the admin routes are 401.
    let res = ctx.app.anonymous().get(TOKENS).await;
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_practitioners_tokens_are_404_on_every_admin_route() {
    let ctx = setup().await;
    let owner = TestApp::new_user();
    let as_owner = ctx.app.as_user(owner);
    let intruder = TestApp::new_user();
    let as_intruder = ctx.app.as_user(intruder);
    let (_, id) = new_token(&as_owner).await;
    new_token(&as_intruder).await;
    for (method, path) in [
        (Method::GET, format!("{TOKENS}/{id}")),
        (Method::POST, format!("{TOKENS}/{id}/disable")),
        (Method::DELETE, format!("{TOKENS}/{id}")),
    ] {
        let res = as_intruder.send_json(method.clone(), &path, None).await;
        res.problem(StatusCode::NOT_FOUND, "not_found");
    }
    let list: Value = as_intruder.get(TOKENS).await.json();
    assert_eq!(list["pagination"]["total"], 1);
    assert_ne!(list["items"][0]["id"], id.as_str());
    // The owner's token is untouched.
    let info = token_info(&as_owner, &id).await;
    assert_eq!(info["isActive"], true);
}
