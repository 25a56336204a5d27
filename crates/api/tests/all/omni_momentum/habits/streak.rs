//! `GET /api/v1/omni-momentum/habits/{id}/streak`: in the user's time zone.

use crate::common::habits::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_streak_follows_the_users_days_and_undo() {
    let ctx = setup().await;
    for tz in ["Pacific/Auckland", "Pacific/Honolulu"] {
        let alice = ctx.app.as_user(TestApp::new_user());
        set_timezone(&alice, tz).await;
        let habit = habit_id(&alice, "Meditate").await;
        let done = complete_days(&alice, &habit, tz, &[0, 1, 2, 5, 6, 7, 8]).await;
        let path = format!("{HABITS}/{habit}/streak");
        let s = alice.get(&path).await.ok_json(StatusCode::OK);
        assert_eq!(s["habitId"], habit.as_str());
        assert_eq!(s["today"], day_in(tz, 0), "{tz}");
        assert_eq!(s["currentStreak"], 3, "{tz}");
        assert_eq!(s["longestStreak"], 4);
        assert_eq!(s["isActiveToday"], true);
        assert_eq!(s["lastCompletedDate"], day_in(tz, 0));
        assert_eq!(s["milestones"][0]["days"], 3);
        assert_eq!(s["milestones"][0]["achievedAt"], day_in(tz, 6));
        assert_eq!(s["milestones"][1]["achievedAt"], Value::Null);

        // Undoing today: yesterday's run is still alive, today is not done.
        alice
            .delete(&format!(
                "{HABITS}/{habit}/completions/{}",
                done[0]["id"].as_str().unwrap()
            ))
            .await
            .expect(StatusCode::NO_CONTENT);
        let s = alice.get(&path).await.ok_json(StatusCode::OK);
        assert_eq!(s["currentStreak"], 2);
        assert_eq!(s["isActiveToday"], false);
        assert_eq!(s["lastCompletedDate"], day_in(tz, 1));
    }
}
