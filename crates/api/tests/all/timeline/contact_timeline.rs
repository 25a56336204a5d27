//! `GET /contacts/{id}/timeline`: emails, meetings and notes merged newest first, cursor
//! pages, only the owner's.

use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::timeline::{
    ME, calendar_event, connect_google, gmail_message, leaf, normalise, open_run, store_raw,
};
use crate::common::{create_contact, setup};

fn kinds(page: &Value) -> Vec<(String, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["sourceId"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_timeline_merges_emails_meetings_and_notes_newest_first_in_cursor_pages() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    connect_google(&ctx, user).await;
    let ada = create_contact(
        &alice,
        json!({ "displayName": "Ada", "primaryEmail": "ada@example.org" }),
    )
    .await;
    let ada_id = ada["id"].as_str().unwrap();
    let run = open_run(&ctx, user, "gmail").await;
    let email = gmail_message(
        "m1",
        &["INBOX"],
        &[
            ("From", "Ada <ada@example.org>"),
            ("To", ME),
            ("Subject", "Question"),
        ],
        leaf(
            "",
            "text/plain; charset=UTF-8",
            &[],
            b"Can we move Thursday?",
        ),
    );
    store_raw(&ctx, user, "gmail", "m1", run, &email).await;
    let cal = open_run(&ctx, user, "calendar").await;
    let event = calendar_event(
        "e1",
        json!({ "attendees": [{ "email": "ada@example.org", "responseStatus": "accepted" }] }),
    );
    store_raw(&ctx, user, "calendar", "e1", cal, &event).await;
    normalise(&ctx, user, run).await;
    normalise(&ctx, user, cal).await;
    let note = alice
        .post_json(
            "/api/v1/notes",
            &json!({ "contactId": ada_id, "contentPlain": "Prefers mornings" }),
        )
        .await
        .ok_json(StatusCode::CREATED);

    let url = format!("/api/v1/contacts/{ada_id}/timeline");
    let first = alice
        .get(&format!("{url}?limit=2"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        kinds(&first),
        [
            ("note".to_owned(), note["id"].as_str().unwrap().to_owned()),
            ("meeting".to_owned(), "e1".to_owned())
        ]
    );
    assert_eq!(first["items"][0]["snippet"], "Prefers mornings");
    assert_eq!(first["items"][1]["subject"], "Intake session");
    assert_eq!(first["items"][1]["occurredAt"], "2026-12-03T09:00:00Z");
    let cursor = first["nextCursor"].as_str().unwrap();
    let second = alice
        .get(&format!("{url}?limit=2&cursor={cursor}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(kinds(&second), [("email".to_owned(), "m1".to_owned())]);
    assert_eq!(second["items"][0]["subject"], "Question");
    assert_eq!(second["items"][0]["source"], "gmail");
    assert_eq!(second["nextCursor"], Value::Null);

    // Bob sees nothing of Alice's.
    let bob = ctx.app.as_user(TestApp::new_user());
    bob.get(&url)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    alice
        .get(&format!("{url}?cursor=nope"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    alice
        .get(&format!("{url}?limit=0"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
}
