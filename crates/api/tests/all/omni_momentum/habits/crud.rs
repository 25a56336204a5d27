//! `POST`, `GET`, `PATCH`, `DELETE /api/v1/omni-momentum/habits[/{id}]`.

use crate::common::habits::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_habit_is_created_with_defaults_read_listed_changed_and_deleted() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());

    let res = alice
        .post_json(HABITS, &json!({"name": "  Meditate  "}))
        .await
        .expect(StatusCode::CREATED);
    let habit = res.json::<serde_json::Value>();
    let id = habit["id"].as_str().unwrap().to_owned();
    assert_eq!(
        res.header("location"),
        Some(format!("{HABITS}/{id}").as_str())
    );
    assert_eq!(habit["name"], "Meditate");
    assert_eq!(habit["habitType"], "boolean");
    assert_eq!(habit["targetFrequency"], "daily");
    assert_eq!(habit["color"], "#10B981");
    assert_eq!(habit["iconName"], "check-circle");
    assert_eq!(habit["isActive"], true);
    assert_eq!(habit["description"], serde_json::Value::Null);

    let water = new_habit(
        &alice,
        json!({"name": "Water", "habitType": "count", "targetValue": 8, "targetUnit": "glasses",
               "description": "stay hydrated", "isActive": false}),
    )
    .await;
    assert_eq!(water["targetValue"], 8);

    let path = format!("{HABITS}/{id}");
    assert_eq!(alice.get(&path).await.ok_json(StatusCode::OK), habit);

    // List: oldest first, paged, filtered by isActive.
    let all = alice.get(HABITS).await.ok_json(StatusCode::OK);
    assert_eq!(all["pagination"]["total"], 2);
    assert_eq!(all["items"][0]["id"], id.as_str());
    let active = alice
        .get(&format!("{HABITS}?isActive=true"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(active["pagination"]["total"], 1);
    assert_eq!(active["items"][0]["name"], "Meditate");
    let inactive = alice
        .get(&format!("{HABITS}?isActive=false&pageSize=1"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(inactive["items"][0]["name"], "Water");
    let page2 = alice
        .get(&format!("{HABITS}?page=2&pageSize=1"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(page2["items"][0]["name"], "Water");

    // PATCH: a change, and null clears an optional field.
    let water_path = format!("{HABITS}/{}", water["id"].as_str().unwrap());
    let changed = alice
        .patch_json(
            &water_path,
            &json!({"description": null, "targetValue": 10, "isActive": true, "color": "#000000"}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(changed["description"], serde_json::Value::Null);
    assert_eq!(changed["targetValue"], 10);
    assert_eq!(changed["isActive"], true);
    assert_eq!(changed["color"], "#000000");
    assert_eq!(changed["name"], "Water");
    // An empty PATCH changes nothing.
    let same = alice
        .patch_json(&water_path, &json!({}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(same["targetValue"], 10);

    // DELETE: gone, with its completions.
    complete(&alice, &id, json!({}))
        .await
        .ok_json(StatusCode::CREATED);
    alice.delete(&path).await.expect(StatusCode::NO_CONTENT);
    alice
        .get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    alice
        .get(&format!("{path}/completions"))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    alice
        .delete(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_habit_carries_an_etag_honoured_by_patch_and_delete() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let id = habit_id(&alice, "Stretch").await;
    let path = format!("{HABITS}/{id}");
    let res = alice.get(&path).await.expect(StatusCode::OK);
    let etag = res.header("etag").expect("an ETag").to_owned();
    alice
        .patch_json(&path, &json!({"name": "Stretch more"}))
        .await
        .ok_json(StatusCode::OK);
    alice
        .clone()
        .header("if-match", &etag)
        .patch_json(&path, &json!({"name": "Stale"}))
        .await
        .problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
    let fresh = alice.get(&path).await.expect(StatusCode::OK);
    assert_eq!(fresh.json::<serde_json::Value>()["name"], "Stretch more");
    let etag = fresh.header("etag").unwrap().to_owned();
    alice
        .clone()
        .header("if-match", &etag)
        .delete(&path)
        .await
        .expect(StatusCode::NO_CONTENT);
}
