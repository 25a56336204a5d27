//! `POST`, `GET`, `PATCH`, `DELETE /api/v1/omni-momentum/pulse[/{id}]`: one entry per
//! local day.

use crate::common::habits::{day_in, set_timezone};
use crate::common::pulse::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_entry_per_local_day_edited_by_patch() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let tz = "Pacific/Kiritimati";
    set_timezone(&alice, tz).await;
    let res = alice
        .post_json(PULSE, &json!({"details": ratings(3.5, 4.0, 2.0)}))
        .await
        .expect(StatusCode::CREATED);
    let entry: Value = res.json();
    let id = entry["id"].as_str().unwrap().to_owned();
    assert_eq!(
        res.header("location"),
        Some(format!("{PULSE}/{id}").as_str())
    );
    assert_eq!(entry["logDate"], day_in(tz, 0));
    assert_eq!(entry["details"]["time"], 3.5);
    assert_eq!(entry["details"]["mood"], 2.0);

    // A second entry for the same day is 409, with or without the date.
    for body in [
        json!({"details": ratings(1.0, 1.0, 1.0)}),
        json!({"logDate": day_in(tz, 0), "details": ratings(1.0, 1.0, 1.0)}),
    ] {
        alice
            .post_json(PULSE, &body)
            .await
            .problem(StatusCode::CONFLICT, "conflict");
    }
    // PATCH edits the day: absent stays, null clears an optional answer.
    let path = format!("{PULSE}/{id}");
    let with_sleep = alice
        .patch_json(
            &path,
            &json!({"details": {"sleep": 4, "notes": "slept well", "tags": ["rested"], "tasksCompleted": 3}}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(with_sleep["details"]["sleep"], 4.0);
    assert_eq!(with_sleep["details"]["energy"], 4.0);
    assert_eq!(with_sleep["details"]["tags"], json!(["rested"]));
    let edited = alice
        .patch_json(
            &path,
            &json!({"details": {"mood": 5, "notes": null, "tags": []}}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(edited["details"]["mood"], 5.0);
    assert_eq!(edited["details"]["sleep"], 4.0);
    assert_eq!(edited["details"].get("notes"), None);
    assert_eq!(edited["details"].get("tags"), None);
    assert_eq!(edited["details"]["tasksCompleted"], 3);
    assert_eq!(alice.get(&path).await.ok_json(StatusCode::OK), edited);

    // ETag: a stale If-Match is refused.
    let etag = alice.get(&path).await.header("etag").unwrap().to_owned();
    alice
        .patch_json(&path, &json!({"details": {"time": 1}}))
        .await
        .ok_json(StatusCode::OK);
    alice
        .clone()
        .header("if-match", &etag)
        .delete(&path)
        .await
        .problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");

    alice.delete(&path).await.expect(StatusCode::NO_CONTENT);
    alice
        .get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    // The day is free again.
    alice
        .post_json(PULSE, &json!({"details": ratings(2.0, 2.0, 2.0)}))
        .await
        .ok_json(StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_are_listed_newest_first_within_a_date_range() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    for day in ["2026-03-01", "2026-03-03", "2026-03-02", "2026-02-27"] {
        log_day(&alice, day, ratings(3.0, 3.0, 3.0)).await;
    }
    let all = alice.get(PULSE).await.ok_json(StatusCode::OK);
    let days: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["logDate"].as_str().unwrap())
        .collect();
    assert_eq!(
        days,
        ["2026-03-03", "2026-03-02", "2026-03-01", "2026-02-27"]
    );
    let ranged = alice
        .get(&format!("{PULSE}?startDate=2026-03-01&endDate=2026-03-02"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(ranged["pagination"]["total"], 2);
    assert_eq!(ranged["items"][0]["logDate"], "2026-03-02");
    let page = alice
        .get(&format!("{PULSE}?pageSize=1&page=2"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(page["items"][0]["logDate"], "2026-03-02");
}
