//! `GET /api/v1/omni-momentum/habits/{id}/analytics` and the summary
//! `GET /api/v1/omni-momentum/habits/analytics`.

use crate::common::habits::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_report_rate_heatmap_and_weekly_pattern_over_the_window() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let tz = "Europe/London";
    set_timezone(&alice, tz).await;
    let habit = new_habit(&alice, json!({"name": "Pages", "habitType": "count"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Done on the last 7 days (value 1 = no target), and once 10 days ago with 5.
    complete_days(&alice, &habit, tz, &[0, 1, 2, 3, 4, 5, 6]).await;
    complete(
        &alice,
        &habit,
        json!({"completedDate": day_in(tz, 10), "valueCompleted": 5}),
    )
    .await
    .ok_json(StatusCode::CREATED);

    let path = format!("{HABITS}/{habit}/analytics");
    let week = alice
        .get(&format!("{path}?days=7"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(week["startDate"], day_in(tz, 6));
    assert_eq!(week["endDate"], day_in(tz, 0));
    assert_eq!(week["heatmap"].as_array().unwrap().len(), 7);
    assert_eq!(week["stats"]["completionRate"], 1.0);
    assert_eq!(week["stats"]["totalCompletions"], 7);
    assert_eq!(week["stats"]["averageValue"], 1.0);
    assert_eq!(week["stats"]["trend"], "insufficient_data");
    assert_eq!(week["weeklyPattern"].as_array().unwrap().len(), 7);
    assert!(
        week["weeklyPattern"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["completionRate"] == 1.0)
    );

    // The default window (30 days) starts at the habit's start: its first completion.
    let month = alice.get(&path).await.ok_json(StatusCode::OK);
    assert_eq!(month["startDate"], day_in(tz, 10));
    let cells = month["heatmap"].as_array().unwrap();
    assert_eq!(cells.len(), 11);
    assert_eq!(cells[0]["value"], 5.0);
    assert_eq!(cells[1]["completed"], false);
    assert_eq!(month["stats"]["totalCompletions"], 8);
    assert_eq!(month["stats"]["currentStreak"], 7);
    assert_eq!(month["stats"]["averageValue"], 12.0 / 8.0);

    alice
        .get(&format!("{path}?days=6"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    alice
        .get(&format!("{path}?days=366"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_counts_active_habits_and_todays_completions() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let tz = "Pacific/Auckland";
    set_timezone(&alice, tz).await;
    let empty = alice
        .get(&format!("{HABITS}/analytics"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(empty["totalHabits"], 0);
    assert_eq!(empty["completionRate"], 0.0);

    let a = habit_id(&alice, "A").await;
    let b = habit_id(&alice, "B").await;
    let off = new_habit(&alice, json!({"name": "Off", "isActive": false})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    complete_days(&alice, &a, tz, &[0, 1, 2]).await;
    complete_days(&alice, &b, tz, &[1]).await;
    complete_days(&alice, &off, tz, &[0]).await;
    let s = alice
        .get(&format!("{HABITS}/analytics"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(s["totalHabits"], 3);
    assert_eq!(s["activeHabits"], 2);
    assert_eq!(s["completedToday"], 1);
    assert_eq!(s["totalStreakDays"], 4);
    assert_eq!(s["longestActiveStreak"], 3);
    // a: 3 of 3 days since its first completion; b: 1 of 1 day since its creation today
    // (its completion yesterday makes yesterday its start: 1 of 2).
    assert_eq!(s["completionRate"], 4.0 / 5.0);
    assert_eq!(s["trends"]["weekOverWeek"], 1.0);
}
