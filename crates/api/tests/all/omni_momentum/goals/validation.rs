//! Bad goal input is a 400 pointing at the field.

use super::crud::GOALS;
use crate::common::setup;
use omnicrm_testkit::{TestApp, pointers};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_goals_are_refused() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    for (body, pointer) in [
        (
            json!({"name": " ", "goalType": "practitioner_personal"}),
            "/name",
        ),
        (json!({"name": "a"}), "/goalType"),
        (json!({"name": "a", "goalType": "dream"}), "/goalType"),
        (
            json!({"name": "a", "goalType": "practitioner_personal", "progress": 101}),
            "/progress",
        ),
        (
            json!({"name": "a", "goalType": "practitioner_personal", "status": "done"}),
            "/status",
        ),
        (
            json!({"name": "a", "goalType": "practitioner_personal", "targetDate": "soon"}),
            "/targetDate",
        ),
    ] {
        let p = alice
            .post_json(GOALS, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), [pointer], "{body}");
    }
    let goal = alice
        .post_json(
            GOALS,
            &json!({"name": "a", "goalType": "practitioner_personal"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let path = format!("{GOALS}/{}", goal["id"].as_str().unwrap());
    for (body, pointer) in [
        (json!({"name": null}), "/name"),
        (json!({"status": null}), "/status"),
        (json!({"progress": null}), "/progress"),
        (json!({"progress": -1}), "/progress"),
    ] {
        let p = alice
            .patch_json(&path, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), [pointer], "{body}");
    }
    alice
        .get(&format!("{GOALS}?status=done"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
}
