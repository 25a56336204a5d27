//! `PATCH` and `DELETE /api/v1/tags/{id}` on a system tag: only its colour changes, it is never deleted.

use crate::common::setup;
use crate::common::tags::*;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_system_tag_only_changes_colour_and_is_never_deleted() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let reiki = system_tag(&as_user, "Reiki").await;
    let path = format!("/api/v1/tags/{}", reiki["id"].as_str().unwrap());

    let recoloured = as_user
        .patch_json(&path, &json!({"color": "#FF0000"}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(recoloured["color"], "#FF0000");
    assert_eq!(recoloured["isSystem"], true);

    // Sending back the current name and category with a new colour is accepted.
    let echoed = as_user
        .patch_json(
            &path,
            &json!({"name": "Reiki", "category": "services_modalities", "color": "#00FF00"}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(echoed["color"], "#00FF00");

    for change in [
        json!({"name": "Energy work"}),
        json!({"category": "health_wellness"}),
        json!({"name": "Energy work", "color": "#0000FF"}),
    ] {
        let p = as_user
            .patch_json(&path, &change)
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        assert!(p["detail"].as_str().unwrap().contains("system tag"));
    }
    let p = as_user
        .delete(&path)
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    assert!(p["detail"].as_str().unwrap().contains("system tag"));

    // Nothing of the refused changes stuck.
    let now = as_user.get(&path).await.ok_json(StatusCode::OK);
    assert_eq!(now["name"], "Reiki");
    assert_eq!(now["category"], "services_modalities");
    assert_eq!(now["color"], "#00FF00");
}
