//! `GET /api/v1/tags/stats`.

use crate::common::setup;
use crate::common::tags::*;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_count_uses_per_entity_type_exactly() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let ann = new_contact(&as_user, "Ann").await;
    let bea = new_contact(&as_user, "Bea").await;
    let task = insert_entity(&ctx, user, "task", &ann).await;
    let note = insert_entity(&ctx, user, "note", &ann).await;
    let goal = insert_entity(&ctx, user, "goal", &bea).await;
    let busy = new_tag(&as_user, "Busy").await;
    let quiet = new_tag(&as_user, "Quiet").await;
    let reiki = system_tag(&as_user, "Reiki").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for (kind, id) in [
        ("contact", &ann),
        ("contact", &bea),
        ("task", &task),
        ("note", &note),
        ("goal", &goal),
    ] {
        apply(&as_user, kind, id, &[&busy])
            .await
            .ok_json(StatusCode::OK);
    }
    apply(&as_user, "note", &note, &[&reiki])
        .await
        .ok_json(StatusCode::OK);

    let stats = as_user
        .get("/api/v1/tags/stats?pageSize=200")
        .await
        .ok_json(StatusCode::OK);
    let items = stats["items"].as_array().unwrap();
    assert_eq!(items.len() as u64, SYSTEM_TAGS + 2);
    assert_eq!(stats["pagination"]["total"], SYSTEM_TAGS + 2);
    // An offset list like every other: the default page, and a later one.
    let first = as_user
        .get("/api/v1/tags/stats")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(first["items"].as_array().unwrap().len(), 20);
    assert_eq!(first["pagination"]["hasNext"], true);
    let second = as_user
        .get("/api/v1/tags/stats?page=2&pageSize=1")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(second["items"], json!([items[1]]));
    assert_eq!(
        items[0],
        json!({"tagId": busy, "name": "Busy", "usageCount": 5,
               "byEntity": {"contact": 2, "task": 1, "note": 1, "goal": 1}})
    );
    assert_eq!(
        items[1],
        json!({"tagId": reiki, "name": "Reiki", "usageCount": 1,
               "byEntity": {"contact": 0, "task": 0, "note": 1, "goal": 0}})
    );
    let quiet_stats = items.iter().find(|i| i["tagId"] == quiet.as_str()).unwrap();
    assert_eq!(quiet_stats["usageCount"], 0);
    // Every stat agrees with the denormalised counter.
    let listed = all_tags(&as_user).await;
    for item in items {
        let tag = listed.iter().find(|t| t["id"] == item["tagId"]).unwrap();
        assert_eq!(tag["usageCount"], item["usageCount"], "{}", item["name"]);
    }
}
