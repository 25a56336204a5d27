//! `PATCH /api/v1/contacts/{id}`.

use crate::common::{problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_leaves_absent_fields_and_clears_nulls() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let c = ctx.create_contact(user, json!({"displayName": "Jo", "primaryEmail": "jo@example.com", "primaryPhone": "555-123-4567"})).await;
    let path = format!("/api/v1/contacts/{}", c["id"].as_str().unwrap());
    let res = ctx
        .send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"primaryEmail": null, "lifecycleStage": "Core Client"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["primaryEmail"], Value::Null);
    assert_eq!(updated["primaryPhone"], "555-123-4567");
    assert_eq!(updated["displayName"], "Jo");
    assert_eq!(updated["lifecycleStage"], "Core Client");
    let res = ctx
        .send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"displayName": null})),
        )
        .await;
    problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
}
