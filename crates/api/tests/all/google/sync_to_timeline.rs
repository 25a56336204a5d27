//! The whole pipeline against the fake Google: a sync stores raw events, normalisation
//! turns them into interactions linked to the practitioner's contacts, unknown attendees
//! become contact suggestions, and another user sees none of it.

use omnicrm_testkit::{FakeMail, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::google::connect;
use crate::common::google_sync::{run_jobs, runs, setup_sync};

fn at(days: i64, hour: u8) -> Value {
    let t = (time::OffsetDateTime::now_utc() + time::Duration::days(days))
        .replace_time(time::Time::from_hms(hour, 0, 0).unwrap());
    json!({"dateTime": t.format(&time::format_description::well_known::Rfc3339).unwrap(), "timeZone": "UTC"})
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().unwrap()
}

#[tokio::test]
async fn synced_mail_and_meetings_reach_the_contacts_timeline_and_unknown_attendees_are_suggested()
{
    let ctx = setup_sync().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let ada: Value = as_alice
        .post_json(
            "/api/v1/contacts",
            &json!({"displayName": "Ada Client", "primaryEmail": "ada@clients.com"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let ada_id = ada["id"].as_str().unwrap().to_owned();
    ctx.google.add_message(&FakeMail::inbox(
        "Ada Client <ada@clients.com>",
        "Sleep diary",
        3,
    ));
    ctx.google
        .add_message(&FakeMail::inbox("Stranger <stranger@else.com>", "Hello", 2));
    ctx.google.add_event(json!({
        "id": "ev-ada",
        "summary": "Session with Ada",
        "start": at(-1, 9),
        "end": at(-1, 10),
        "attendees": [
            {"email": "ada@clients.com", "responseStatus": "accepted"},
            {"email": "Dana@Clients.com", "displayName": "Dana New", "responseStatus": "needsAction"},
            {"email": "room-1@resource.calendar.google.com", "displayName": "Room 1", "resource": true, "responseStatus": "accepted"}
        ],
    }));

    connect(&ctx, alice, "gmail").await;
    connect(&ctx, alice, "calendar").await;
    run_jobs(&ctx, alice).await;

    let timeline: Value = as_alice
        .get(&format!("/api/v1/contacts/{ada_id}/timeline"))
        .await
        .ok_json(StatusCode::OK);
    let seen: Vec<(&str, &str)> = items(&timeline)
        .iter()
        .map(|i| (i["kind"].as_str().unwrap(), i["subject"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        vec![("meeting", "Session with Ada"), ("email", "Sleep diary")],
        "Ada's email and meeting, newest first, without typing anything"
    );

    let all: Value = as_alice
        .get("/api/v1/interactions")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        items(&all).len(),
        3,
        "the stranger's email is kept, unlinked"
    );
    let stranger = items(&all)
        .iter()
        .find(|i| i["subject"] == "Hello")
        .unwrap();
    assert_eq!(stranger["contactId"], Value::Null);

    let suggestions: Value = as_alice
        .get("/api/v1/contacts/suggestions")
        .await
        .ok_json(StatusCode::OK);
    let emails: Vec<&str> = items(&suggestions)
        .iter()
        .map(|s| s["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        vec!["dana@clients.com", "stranger@else.com"],
        "the unknown attendee and correspondent, not Ada (a contact), the room or the practitioner"
    );

    let gmail = runs(&ctx, alice, "gmail").await;
    assert_eq!(
        gmail[0]["imported"], 2,
        "the ledger counts what reached the timeline"
    );

    // A second sync finds nothing new and changes nothing.
    as_alice
        .post_json("/api/v1/google/gmail/sync", &json!({}))
        .await
        .ok_json(StatusCode::ACCEPTED);
    run_jobs(&ctx, alice).await;
    let again: Value = as_alice
        .get("/api/v1/interactions")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(items(&again), items(&all));

    // Bob sees none of it.
    let as_bob = ctx.app.as_user(bob);
    let bobs: Value = as_bob
        .get("/api/v1/interactions")
        .await
        .ok_json(StatusCode::OK);
    assert!(items(&bobs).is_empty());
    as_bob
        .get(&format!("/api/v1/contacts/{ada_id}/timeline"))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let bob_suggestions: Value = as_bob
        .get("/api/v1/contacts/suggestions")
        .await
        .ok_json(StatusCode::OK);
    assert!(items(&bob_suggestions).is_empty());
}
