//! `DELETE /api/v1/contacts/{id}`.

use crate::common::named_contact;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_answers_204_then_404() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let c = named_contact(&ctx.app.as_user(user), "Gone Soon").await;
    let path = format!("/api/v1/contacts/{}", c["id"].as_str().unwrap());
    assert_eq!(
        ctx.app.as_user(user).delete(&path).await.status(),
        StatusCode::NO_CONTENT
    );
    ctx.app
        .as_user(user)
        .delete(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    ctx.app
        .as_user(user)
        .get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
