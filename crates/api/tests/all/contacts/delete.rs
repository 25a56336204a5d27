//! `DELETE /api/v1/contacts/{id}`.

use crate::common::named_contact;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_answers_204_then_404() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let c = named_contact(&as_user, "Gone Soon").await;
    let path = format!("/api/v1/contacts/{}", c["id"].as_str().unwrap());
    assert_eq!(as_user.delete(&path).await.status(), StatusCode::NO_CONTENT);
    as_user
        .delete(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    as_user
        .get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
