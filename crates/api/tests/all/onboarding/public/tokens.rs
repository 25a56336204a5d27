//! `GET /api/v1/onboarding/public/tokens/{token}` and `POST .../track-access`: one 404 for every unusable link.

use crate::common::onboarding::*;
use crate::common::{problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

/// The problem body without what differs per request.
async fn comparable_problem(res: Response) -> Value {
    let mut body = problem(res, StatusCode::NOT_FOUND, "not_found").await;
    body.as_object_mut().unwrap().remove("requestId");
    body
}

// ------------------------------------------------------------------ public side

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_expired_disabled_and_used_up_tokens_are_the_same_404() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let (expired, expired_id) = new_token(&ctx, user).await;
    owner_exec(
        &ctx,
        &format!("UPDATE onboarding_tokens SET expires_at = now() - interval '1 minute' WHERE id = '{expired_id}'"),
    )
    .await;
    let (disabled, disabled_id) = new_token(&ctx, user).await;
    ctx.send(
        user,
        Method::POST,
        &format!("{TOKENS}/{disabled_id}/disable"),
        None,
    )
    .await;
    let (used, _) = new_token(&ctx, user).await;
    let first = public_post(&ctx.app, SUBMIT, &form(&used, "used@example.com")).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let unknown = "A".repeat(43);

    let png = png(8, 8);
    for route in ["status", "track", "submit", "upload"] {
        let mut bodies = Vec::new();
        for token in [&unknown, &expired, &disabled, &used] {
            let res = match route {
                "status" => {
                    public_get(
                        &ctx.app,
                        &format!("/api/v1/onboarding/public/tokens/{token}"),
                    )
                    .await
                }
                "track" => public_post(&ctx.app, TRACK, &json!({"token": token})).await,
                "submit" => public_post(&ctx.app, SUBMIT, &form(token, "x@example.com")).await,
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
    let created = create_token(&ctx, user, json!({"label": "Intake"})).await;
    let token = created["token"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    let status_path = format!("/api/v1/onboarding/public/tokens/{token}");

    let status: Value = public_get(&ctx.app, &status_path)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["valid"], true);
    assert_eq!(status["label"], "Intake");
    assert_eq!(status["expiresAt"], created["expiresAt"]);
    assert!(status.get("practitioner").is_none());
    owner_exec(
        &ctx,
        &format!("INSERT INTO user_profiles (user_id, preferred_name, organization_name) VALUES ('{user}', 'Dr. Lee', 'Calm Clinic')"),
    )
    .await;
    let status: Value = public_get(&ctx.app, &status_path)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        status["practitioner"],
        json!({"name": "Dr. Lee", "organization": "Calm Clinic"})
    );

    for body in [
        json!({"token": token}),
        json!({"token": token, "action": "page_view"}),
        json!({"token": token, "action": "form_start"}),
    ] {
        let res = public_post(&ctx.app, TRACK, &body).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
    let info = token_info(&ctx, user, id).await;
    assert_eq!(info["accessCount"], 2);
    assert_eq!(info["formStartedCount"], 1);
    assert!(info["lastAccessedAt"].is_string());
    let res = public_post(
        &ctx.app,
        TRACK,
        &json!({"token": token, "action": "form_submit"}),
    )
    .await;
    problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
    // Tracking does not use the link up.
    assert_eq!(token_info(&ctx, user, id).await["isActive"], true);
}
