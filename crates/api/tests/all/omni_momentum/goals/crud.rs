//! Goals: practitioner and client goals, status, target date, progress, notes and tags.

use crate::common::setup;
use crate::common::tags::{new_contact, new_tag};
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) const GOALS: &str = "/api/v1/omni-momentum/goals";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goals_are_created_listed_changed_and_deleted_with_notes_and_tags() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let ana = new_contact(&alice, "Ana").await;
    let tag = new_tag(&alice, "Sleep").await;
    let note: Value = alice
        .post_json(
            "/api/v1/notes",
            &json!({"contactId": ana, "contentPlain": "wants to sleep 8h"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let note_id = note["id"].as_str().unwrap();

    let res = alice
        .post_json(
            GOALS,
            &json!({"name": "Sleep 8 hours", "goalType": "client_wellness", "contactId": ana,
                    "targetDate": "2026-06-30", "description": "every night", "progress": 10,
                    "tagIds": [tag, tag], "noteIds": [note_id]}),
        )
        .await
        .expect(StatusCode::CREATED);
    let goal: Value = res.json();
    let id = goal["id"].as_str().unwrap().to_owned();
    assert_eq!(
        res.header("location"),
        Some(format!("{GOALS}/{id}").as_str())
    );
    assert_eq!(goal["contactId"], ana.as_str());
    assert_eq!(goal["status"], "on_track");
    assert_eq!(goal["targetDate"], "2026-06-30");
    assert_eq!(goal["progress"], 10);
    assert_eq!(goal["description"], "every night");
    assert_eq!(goal["tags"][0]["name"], "Sleep");
    assert_eq!(goal["tags"].as_array().unwrap().len(), 1);
    assert_eq!(goal["noteIds"], json!([note_id]));
    // The tag counts the goal; the note lists the goal.
    let t = alice
        .get(&format!("/api/v1/tags/{tag}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(t["usageCount"], 1);

    let own = alice
        .post_json(
            GOALS,
            &json!({"name": "Launch workshop", "goalType": "practitioner_business"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    assert_eq!(own["contactId"], Value::Null);
    assert_eq!(own["progress"], 0);

    // Lists: newest first; filters.
    let all = alice.get(GOALS).await.ok_json(StatusCode::OK);
    assert_eq!(all["pagination"]["total"], 2);
    assert_eq!(all["items"][0]["name"], "Launch workshop");
    let clients = alice
        .get(&format!("{GOALS}?contactId={ana}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(clients["pagination"]["total"], 1);
    let business = alice
        .get(&format!(
            "{GOALS}?goalType=practitioner_business&goalType=practitioner_personal"
        ))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(business["items"][0]["name"], "Launch workshop");

    // PATCH: status, progress, clear target date and description, replace tags and notes.
    let path = format!("{GOALS}/{id}");
    let changed = alice
        .patch_json(
            &path,
            &json!({"status": "achieved", "progress": 100, "targetDate": null,
                    "description": null, "tagIds": [], "noteIds": []}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(changed["status"], "achieved");
    assert_eq!(changed["progress"], 100);
    assert_eq!(changed["targetDate"], Value::Null);
    assert_eq!(changed["description"], Value::Null);
    assert_eq!(changed["tags"], json!([]));
    assert_eq!(changed["noteIds"], json!([]));
    assert_eq!(changed["contactId"], ana.as_str());
    let achieved = alice
        .get(&format!("{GOALS}?status=achieved"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(achieved["pagination"]["total"], 1);

    // ETag: a stale If-Match is refused.
    let etag = alice.get(&path).await.header("etag").unwrap().to_owned();
    alice
        .patch_json(&path, &json!({"name": "Sleep well"}))
        .await
        .ok_json(StatusCode::OK);
    alice
        .clone()
        .header("if-match", &etag)
        .patch_json(&path, &json!({"name": "Stale"}))
        .await
        .problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");

    alice.delete(&path).await.expect(StatusCode::NO_CONTENT);
    alice
        .get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    // A client's goals go with the client.
    let g = alice
        .post_json(
            GOALS,
            &json!({"name": "Walk", "goalType": "client_wellness", "contactId": ana}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    alice
        .delete(&format!("/api/v1/contacts/{ana}"))
        .await
        .expect(StatusCode::NO_CONTENT);
    alice
        .get(&format!("{GOALS}/{}", g["id"].as_str().unwrap()))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
