//! `PATCH /api/v1/contacts/{id}`.

use crate::common::create_contact;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_leaves_absent_fields_and_clears_nulls() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let c = create_contact(&as_user, json!({"displayName": "Jo", "primaryEmail": "jo@example.com", "primaryPhone": "555-123-4567"})).await;
    let path = format!("/api/v1/contacts/{}", c["id"].as_str().unwrap());
    let res = as_user
        .patch_json(
            &path,
            &json!({"primaryEmail": null, "lifecycleStage": "Core Client"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let updated: Value = res.json();
    assert_eq!(updated["primaryEmail"], Value::Null);
    assert_eq!(updated["primaryPhone"], "555-123-4567");
    assert_eq!(updated["displayName"], "Jo");
    assert_eq!(updated["lifecycleStage"], "Core Client");
    let res = as_user
        .patch_json(&path, &json!({"displayName": null}))
        .await;
    res.problem(StatusCode::BAD_REQUEST, "validation_failed");
}
