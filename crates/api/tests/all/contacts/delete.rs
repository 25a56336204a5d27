//! `DELETE /api/v1/contacts/{id}`.

use crate::common::{problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_answers_204_then_404() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let c = ctx.named(user, "Gone Soon").await;
    let path = format!("/api/v1/contacts/{}", c["id"].as_str().unwrap());
    assert_eq!(
        ctx.send(user, Method::DELETE, &path, None).await.status(),
        StatusCode::NO_CONTENT
    );
    problem(
        ctx.send(user, Method::DELETE, &path, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(user, Method::GET, &path, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
