//! `/api/v1/omni-momentum/habits/{id}/completions[/{completionId}]`: one completion per
//! habit and local day, values of measured habits, undo.

use crate::common::habits::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completion_defaults_to_today_in_the_users_time_zone_on_either_side_of_the_date_line() {
    let ctx = setup().await;
    for tz in [
        "Pacific/Kiritimati",
        "Pacific/Pago_Pago",
        "Pacific/Auckland",
        "Pacific/Honolulu",
    ] {
        let user = ctx.app.as_user(TestApp::new_user());
        set_timezone(&user, tz).await;
        let habit = habit_id(&user, "Journal").await;
        let done = complete(&user, &habit, json!({}))
            .await
            .ok_json(StatusCode::CREATED);
        assert_eq!(done["completedDate"], day_in(tz, 0), "{tz}");
        assert_eq!(done["habitId"], habit.as_str());
        assert_eq!(done["valueCompleted"], Value::Null);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_completion_per_day_and_undo_frees_the_day() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let habit = habit_id(&alice, "Walk").await;
    let res = complete(
        &alice,
        &habit,
        json!({"completedDate": "2026-03-01", "notes": "park"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let done: Value = res.json();
    assert_eq!(
        res.header("location"),
        Some(
            format!(
                "{HABITS}/{habit}/completions/{}",
                done["id"].as_str().unwrap()
            )
            .as_str()
        )
    );
    assert_eq!(done["notes"], "park");
    let p = complete(&alice, &habit, json!({"completedDate": "2026-03-01"}))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    assert!(p["detail"].as_str().unwrap().contains("already completed"));

    // Undo, then the day can be done again.
    let undo = format!(
        "{HABITS}/{habit}/completions/{}",
        done["id"].as_str().unwrap()
    );
    alice.delete(&undo).await.expect(StatusCode::NO_CONTENT);
    alice
        .delete(&undo)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    complete(&alice, &habit, json!({"completedDate": "2026-03-01"}))
        .await
        .ok_json(StatusCode::CREATED);

    // A completion is undone only through its own habit.
    let other = habit_id(&alice, "Read").await;
    let read = complete(&alice, &other, json!({"completedDate": "2026-03-01"}))
        .await
        .ok_json(StatusCode::CREATED);
    alice
        .delete(&format!(
            "{HABITS}/{habit}/completions/{}",
            read["id"].as_str().unwrap()
        ))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    alice
        .delete(&format!("{HABITS}/{habit}/completions/not-a-uuid"))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measured_habits_carry_a_value_and_yes_no_habits_none() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let water = new_habit(
        &alice,
        json!({"name": "Water", "habitType": "count", "targetValue": 8}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = new_habit(&alice, json!({"name": "Run", "habitType": "minutes"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let given = complete(
        &alice,
        &water,
        json!({"completedDate": "2026-03-01", "valueCompleted": 5}),
    )
    .await
    .ok_json(StatusCode::CREATED);
    assert_eq!(given["valueCompleted"], 5);
    let target = complete(&alice, &water, json!({"completedDate": "2026-03-02"}))
        .await
        .ok_json(StatusCode::CREATED);
    assert_eq!(target["valueCompleted"], 8);
    let one = complete(&alice, &run, json!({"completedDate": "2026-03-02"}))
        .await
        .ok_json(StatusCode::CREATED);
    assert_eq!(one["valueCompleted"], 1);

    let yes_no = habit_id(&alice, "Floss").await;
    let p = complete(&alice, &yes_no, json!({"valueCompleted": 3}))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    assert!(p["detail"].as_str().unwrap().contains("boolean"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_are_listed_newest_first_within_a_date_range() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let habit = habit_id(&alice, "Walk").await;
    for day in ["2026-03-01", "2026-03-03", "2026-03-02", "2026-02-27"] {
        complete(&alice, &habit, json!({"completedDate": day}))
            .await
            .ok_json(StatusCode::CREATED);
    }
    let base = format!("{HABITS}/{habit}/completions");
    let all = alice.get(&base).await.ok_json(StatusCode::OK);
    let days: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["completedDate"].as_str().unwrap())
        .collect();
    assert_eq!(
        days,
        ["2026-03-03", "2026-03-02", "2026-03-01", "2026-02-27"]
    );
    let ranged = alice
        .get(&format!("{base}?startDate=2026-03-01&endDate=2026-03-02"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(ranged["pagination"]["total"], 2);
    assert_eq!(ranged["items"][0]["completedDate"], "2026-03-02");
    let paged = alice
        .get(&format!("{base}?pageSize=1&page=4&startDate="))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(paged["items"][0]["completedDate"], "2026-02-27");
}
