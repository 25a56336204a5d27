//! `GET /api/v1/onboarding/public/tokens/{token}` and `POST .../track-access`: one 404 for every unusable link.

use crate::common::onboarding::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::TestResponse;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The problem body without what differs per request.
async fn comparable_problem(res: TestResponse) -> Value {
    let mut body = res.problem(StatusCode::NOT_FOUND, "not_found");
    body.as_object_mut().unwrap().remove("requestId");
    body
}

// ------------------------------------------------------------------ public side

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_expired_disabled_and_used_up_tokens_are_the_same_404() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let (expired, expired_id) = new_token(&as_user).await;
    owner_exec(
        &ctx,
        &format!("UPDATE onboarding_tokens SET expires_at = now() - interval '1 minute' WHERE id = '{expired_id}'"),
    )
    .await;
    let (disabled, disabled_id) = new_token(&as_user).await;
    as_user
        .post(&format!("{TOKENS}/{disabled_id}/disable"))
        .await;
    let (used, _) = new_token(&as_user).await;
    let first = ctx
        .app
        .anonymous()
        .post_json(SUBMIT, &form(&used, "used@example.com"))
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let unknown = "A".repeat(43);

    let png = png(8, 8);
    for route in ["status", "track", "submit", "upload"] {
        let mut bodies = Vec::new();
        for token in [&unknown, &expired, &disabled, &used] {
            let res = match route {
                "status" => {
                    ctx.app
                        .anonymous()
                        .get(&format!("/api/v1/onboarding/public/tokens/{token}"))
                        .await
                }
                "track" => {
                    ctx.app
                        .anonymous()
                        .post_json(TRACK, &json!({"token": token}))
                        .await
                }
                "submit" => {
                    ctx.app
                        .anonymous()
                        .post_json(SUBMIT, &form(token, "x@example.com"))
                        .await
                }
                _ => upload(&ctx.app, Some(token), Some(&png)).await,
            };
            let mut body = comparable_problem(res).await;
            if route == "status" {
                body.as_object_mut().unwrap().remove("instance");
            }
            bodies.push(body);
        }
        assert!(
            bodies.windows(2).all(|w| w[0] == w[1]),
            "{route}: {bodies:#?}"
        );
    }
    // Nothing was written by the refused submissions.
    assert_eq!(owner_i64(&ctx, "SELECT count(*) FROM contacts").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_status_and_tracking() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let created = create_token(&as_user, json!({"label": "Intake"})).await;
    let token = created["token"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    let status_path = format!("/api/v1/onboarding/public/tokens/{token}");

    let status: Value = ctx.app.anonymous().get(&status_path).await.json();
    assert_eq!(status["valid"], true);
    assert_eq!(status["label"], "Intake");
    assert_eq!(status["expiresAt"], created["expiresAt"]);
    assert!(status.get("practitioner").is_none());
    owner_exec(
        &ctx,
        &format!("INSERT INTO user_profiles (user_id, preferred_name, organization_name) VALUES ('{user}', 'Dr. Lee', 'Calm Clinic')"),
    )
    .await;
    let status: Value = ctx.app.anonymous().get(&status_path).await.json();
    assert_eq!(
        status["practitioner"],
        json!({"name": "Dr. Lee", "organization": "Calm Clinic"})
    );

    for body in [
        json!({"token": token}),
        json!({"token": token, "action": "page_view"}),
        json!({"token": token, "action": "form_start"}),
    ] {
        let res = ctx.app.anonymous().post_json(TRACK, &body).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
    let info = token_info(&as_user, id).await;
    assert_eq!(info["accessCount"], 2);
    assert_eq!(info["formStartedCount"], 1);
    assert!(info["lastAccessedAt"].is_string());
    let res = ctx
        .app
        .anonymous()
        .post_json(TRACK, &json!({"token": token, "action": "form_submit"}))
        .await;
    res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    // Tracking does not use the link up.
    assert_eq!(token_info(&as_user, id).await["isActive"], true);
}
