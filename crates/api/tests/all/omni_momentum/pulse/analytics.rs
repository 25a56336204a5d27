//! `GET /api/v1/omni-momentum/pulse/analytics`.

use crate::common::habits::{day_in, set_timezone};
use crate::common::pulse::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_of_the_week_month_and_quarter() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let tz = "America/New_York";
    set_timezone(&alice, tz).await;
    // Energy and sleep rise together over the week; tasks follow energy.
    for (ago, level, tasks) in [(6, 1.0, 1), (5, 2.0, 2), (1, 4.0, 8), (0, 5.0, 10)] {
        let mut details = ratings(level, level, 3.0);
        details["sleep"] = json!(level);
        details["tasksCompleted"] = json!(tasks);
        log_day(&alice, &day_in(tz, ago), details).await;
    }
    log_day(&alice, &day_in(tz, 40), ratings(1.0, 1.0, 1.0)).await;

    let week = alice
        .get(&format!("{PULSE}/analytics"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(week["period"], "week");
    assert_eq!(week["startDate"], day_in(tz, 6));
    assert_eq!(week["endDate"], day_in(tz, 0));
    assert_eq!(week["summary"]["totalLogs"], 4);
    assert_eq!(week["summary"]["averages"]["energy"], 3.0);
    assert_eq!(week["summary"]["trends"]["energy"], "up");
    assert_eq!(week["summary"]["trends"]["mood"], "stable");
    assert_eq!(week["summary"]["bestDay"]["date"], day_in(tz, 0));
    assert_eq!(week["summary"]["worstDay"]["date"], day_in(tz, 6));
    let heatmap = week["heatmap"].as_array().unwrap();
    assert_eq!(heatmap.len(), 7);
    assert_eq!(heatmap[2]["overallScore"], serde_json::Value::Null);
    let find = |a: &str, b: &str| {
        week["correlations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["metric"] == a && c["other"] == b)
            .unwrap()
            .clone()
    };
    assert_eq!(find("energy", "sleep")["significance"], "strong");
    assert_eq!(find("energy", "tasksCompleted")["sampleSize"], 4);
    assert_eq!(
        find("mood", "sleep")["correlation"],
        serde_json::Value::Null
    );

    let quarter = alice
        .get(&format!("{PULSE}/analytics?period=quarter"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(quarter["summary"]["totalLogs"], 5);
    assert_eq!(quarter["heatmap"].as_array().unwrap().len(), 90);
    let month = alice
        .get(&format!("{PULSE}/analytics?period=month"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(month["summary"]["totalLogs"], 4);
    alice
        .get(&format!("{PULSE}/analytics?period=year"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
}
