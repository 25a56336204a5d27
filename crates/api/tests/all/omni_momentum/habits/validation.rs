//! Bad input on the habit routes is a 400 pointing at the field.

use crate::common::habits::*;
use crate::common::setup;
use omnicrm_testkit::{TestApp, pointers};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_habits_and_completions_are_refused_with_pointers() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    for (body, pointer) in [
        (json!({"name": "  "}), "/name"),
        (json!({"name": "x".repeat(201)}), "/name"),
        (json!({"name": "a", "color": "green"}), "/color"),
        (json!({"name": "a", "targetValue": 0}), "/targetValue"),
        (
            json!({"name": "a", "targetValue": 1_000_001}),
            "/targetValue",
        ),
        (json!({"name": "a", "habitType": "sometimes"}), "/habitType"),
        (
            json!({"name": "a", "targetFrequency": "hourly"}),
            "/targetFrequency",
        ),
        (
            json!({"name": "a", "iconName": "i".repeat(51)}),
            "/iconName",
        ),
        (json!({}), "/name"),
    ] {
        let p = alice
            .post_json(HABITS, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), [pointer], "{body}");
    }
    alice
        .post_json(HABITS, &json!({"name": "a", "frequency": "daily"}))
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");

    let habit = habit_id(&alice, "Walk").await;
    let path = format!("{HABITS}/{habit}");
    for (body, pointer) in [
        (json!({"name": null}), "/name"),
        (json!({"isActive": null}), "/isActive"),
        (json!({"habitType": null}), "/habitType"),
        (json!({"targetValue": -1}), "/targetValue"),
    ] {
        let p = alice
            .patch_json(&path, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), [pointer], "{body}");
    }
    for (body, pointer) in [
        (json!({"completedDate": "2026-13-01"}), "/completedDate"),
        (json!({"completedDate": "yesterday"}), "/completedDate"),
        (json!({"valueCompleted": -1}), "/valueCompleted"),
        (json!({"notes": "n".repeat(2001)}), "/notes"),
    ] {
        let p = complete(&alice, &habit, body.clone())
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), [pointer], "{body}");
    }
    for query in ["isActive=maybe", "pageSize=0", "page=0"] {
        alice
            .get(&format!("{HABITS}?{query}"))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
    }
    alice
        .get(&format!("{path}/completions?startDate=03/01/2026"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    alice
        .get(&format!("{HABITS}/not-a-uuid"))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
