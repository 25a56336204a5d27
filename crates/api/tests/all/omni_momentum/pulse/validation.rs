//! Ratings outside 1..5 and other bad input are 400 pointing at the field.

use crate::common::pulse::*;
use crate::common::setup;
use omnicrm_testkit::{TestApp, pointers};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_outside_one_to_five_are_refused() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    for (details, pointer) in [
        (json!({"time": 0, "energy": 3, "mood": 3}), "/details/time"),
        (
            json!({"time": 3, "energy": 5.5, "mood": 3}),
            "/details/energy",
        ),
        (json!({"time": 3, "energy": 3, "mood": -1}), "/details/mood"),
        (
            json!({"time": 3, "energy": 3, "mood": 3, "sleep": 6}),
            "/details/sleep",
        ),
        (json!({"time": 3, "energy": 3}), "/details/mood"),
        (
            json!({"time": 3, "energy": 3, "mood": 3, "tasksCompleted": -2}),
            "/details/tasksCompleted",
        ),
        (
            json!({"time": 3, "energy": 3, "mood": 3, "tags": [""]}),
            "/details/tags/0",
        ),
    ] {
        let p = alice
            .post_json(PULSE, &json!({"details": details}))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), [pointer], "{details}");
    }
    let p = alice
        .post_json(
            PULSE,
            &json!({"logDate": "2026-02-30", "details": ratings(3.0, 3.0, 3.0)}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&p), ["/logDate"]);

    let entry = log_day(&alice, "2026-03-01", ratings(3.0, 3.0, 3.0)).await;
    let path = format!("{PULSE}/{}", entry["id"].as_str().unwrap());
    for (details, pointer) in [
        (json!({"mood": 0}), "/details/mood"),
        (json!({"mood": null}), "/details/mood"),
        (json!({"sleep": 9}), "/details/sleep"),
        (json!({"tags": null}), "/details/tags"),
        (json!({"tags": ["x".repeat(51)]}), "/details/tags"),
    ] {
        let p = alice
            .patch_json(&path, &json!({"details": details}))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), [pointer], "{details}");
    }
    for query in ["startDate=yesterday", "pageSize=201"] {
        alice
            .get(&format!("{PULSE}?{query}"))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
    }
}
