//! `GET /api/v1/contacts/suggestions` (calendar attendees not yet contacts) and `POST` to accept them.

use crate::common::create_contact;
use crate::common::identities::*;
use crate::common::named_contact;
use crate::common::{Ctx, setup};
use omnicrm_domain::UserId;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

const SUGGESTIONS: &str = "/api/v1/contacts/suggestions";

/// Inserts a calendar interaction with Google Calendar attendee entries.
async fn add_event(
    ctx: &Ctx,
    user: UserId,
    kind: &str,
    title: &str,
    when: OffsetDateTime,
    attendees: Value,
) {
    let meta = json!({ "attendees": attendees, "location": "Studio" })
        .to_string()
        .replace('\'', "''");
    let when = when.format(&Rfc3339).unwrap();
    let title = title.replace('\'', "''");
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}') ON CONFLICT DO NOTHING;
             INSERT INTO interactions (user_id, id, type, subject, occurred_at, source, source_id, source_meta)
             VALUES ('{user}', '{}', '{kind}', '{title}', '{when}', 'calendar', '{}', '{meta}')",
            Uuid::now_v7(),
            Uuid::now_v7()
        ))
        .await
        .unwrap();
}

fn person(email: &str, name: Option<&str>) -> Value {
    let mut entry = json!({"email": email, "responseStatus": "accepted"});
    if let Some(name) = name {
        entry["displayName"] = json!(name);
    }
    entry
}

fn sug_id(email: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, email.as_bytes());
    let hex: String = digest.as_ref()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sug-{hex}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggestions_aggregate_calendar_attendees_without_known_ignored_or_system_addresses() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let me =
        json!({"email": "me@practice.com", "displayName": "Me", "self": true, "organizer": true});
    // Known people: a contact (other spelling), an identity, and an ignored address.
    create_contact(
        &as_alice,
        json!({"displayName": "Known", "primaryEmail": "Known@Example.com"}),
    )
    .await;
    let aliased = named_contact(&as_alice, "Aliased").await;
    identity(
        &as_alice,
        json!({"contactId": aliased["id"], "kind": "email", "value": "alias@x.com"}),
    )
    .await;
    as_alice
        .post_json(IGNORED, &json!({"kind": "email", "value": "Ignored@X.com"}))
        .await;
    let everyone_else = json!([
        me, person("KNOWN@example.com", Some("Known")), person("alias@x.com", None),
        person("ignored@x.com", None), person("noreply@bookings.com", None),
        {"email": "c_1@resource.calendar.google.com", "displayName": "Room 1", "resource": true},
    ]);
    for (days, title) in [
        (1, "Check-in"),
        (2, "Session"),
        (3, "Session"),
        (4, "Intake"),
        (5, "Session"),
    ] {
        let mut attendees = everyone_else.as_array().unwrap().clone();
        attendees.push(person("Dana@Clients.com", Some("Dana Client")));
        attendees.push(person("dana@clients.com", None)); // listed twice: one event
        if days <= 2 {
            attendees.push(person(
                "eli@x.com",
                Some(if days == 1 { "Eli New" } else { "Eli Old" }),
            ));
        }
        add_event(
            &ctx,
            alice,
            "calendar_event",
            title,
            at(days),
            Value::Array(attendees),
        )
        .await;
    }
    add_event(
        &ctx,
        alice,
        "calendar_event",
        "Walk",
        at(10),
        json!([me, person("fay@x.com", None)]),
    )
    .await;
    // Not counted: an upcoming event counts, a meeting, an old event and garbage do not.
    add_event(
        &ctx,
        alice,
        "calendar_event",
        "Next week",
        at(-7),
        json!([person("gus@x.com", Some("Gus"))]),
    )
    .await;
    add_event(
        &ctx,
        alice,
        "meeting",
        "Lunch",
        at(1),
        json!([person("meet@x.com", None)]),
    )
    .await;
    add_event(
        &ctx,
        alice,
        "calendar_event",
        "Long ago",
        at(200),
        json!([person("old@x.com", None)]),
    )
    .await;
    add_event(
        &ctx,
        alice,
        "calendar_event",
        "Odd",
        at(1),
        json!([42, {"email": 7}, {"displayName": "No mail"}, person("not-an-email", None)]),
    )
    .await;
    add_event(
        &ctx,
        bob,
        "calendar_event",
        "Bob's",
        at(1),
        json!([person("friend@bob.com", Some("Friend"))]),
    )
    .await;

    let list = as_alice.get(SUGGESTIONS).await.ok_json(StatusCode::OK);
    let emails: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        ["dana@clients.com", "eli@x.com", "gus@x.com", "fay@x.com"]
    );
    let dana = &list["items"][0];
    assert_eq!(dana["id"], sug_id("dana@clients.com"));
    assert_eq!(dana["displayName"], "Dana Client");
    assert_eq!(dana["eventCount"], 5);
    assert_eq!(dana["confidence"], "high");
    assert_eq!(dana["source"], "calendar_attendee");
    assert_eq!(
        dana["eventTitles"],
        json!(["Check-in", "Session", "Intake"])
    );
    assert_eq!(
        OffsetDateTime::parse(dana["lastEventDate"].as_str().unwrap(), &Rfc3339).unwrap(),
        at(1)
    );
    let eli = &list["items"][1];
    assert_eq!(
        (eli["displayName"].as_str(), eli["eventCount"].as_u64()),
        (Some("Eli New"), Some(2))
    );
    assert_eq!(eli["confidence"], "medium");
    let fay = &list["items"][3];
    assert_eq!(
        (fay["displayName"].as_str(), fay["confidence"].as_str()),
        (Some("fay"), Some("low"))
    );
    assert_eq!(fay["eventTitles"], json!(["Walk"]));

    assert_eq!(
        list["pagination"],
        json!({"page": 1, "pageSize": 20, "total": 4, "totalPages": 1,
               "hasNext": false, "hasPrev": false})
    );
    let second = as_alice
        .get(&format!("{SUGGESTIONS}?page=2&pageSize=1"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["email"], "eli@x.com");
    assert_eq!(
        (
            &second["pagination"]["total"],
            &second["pagination"]["hasNext"]
        ),
        (&json!(4), &json!(true))
    );
    let bobs = ctx
        .app
        .as_user(bob)
        .get(SUGGESTIONS)
        .await
        .ok_json(StatusCode::OK);
    let bob_emails: Vec<&str> = bobs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["email"].as_str().unwrap())
        .collect();
    assert_eq!(bob_emails, ["friend@bob.com"]);

    for (query, pointer) in [
        ("?pageSize=0", "/pageSize"),
        ("?pageSize=201", "/pageSize"),
        ("?page=0", "/page"),
    ] {
        let bad = as_alice
            .get(&format!("{SUGGESTIONS}{query}"))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&bad), [pointer]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_suggestions_creates_prospects_with_email_identities() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let as_bob = ctx.app.as_user(bob);
    add_event(
        &ctx,
        alice,
        "calendar_event",
        "Intro",
        at(3),
        json!([
            person("dana@clients.com", Some("Dana Client")),
            person("eli@x.com", None)
        ]),
    )
    .await;
    let dana_id = sug_id("dana@clients.com");

    // Bob knows the id but has no such suggestion.
    let bobs = as_bob
        .post_json(SUGGESTIONS, &json!({"suggestionIds": [dana_id]}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(bobs, json!({"items": [], "unknownIds": [dana_id]}));

    let accepted = as_alice
        .post_json(
            SUGGESTIONS,
            &json!({"suggestionIds": [dana_id, "sug-00000000", dana_id]}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(accepted["unknownIds"], json!(["sug-00000000"]));
    let created = accepted["items"].as_array().unwrap();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["displayName"], "Dana Client");
    assert_eq!(created[0]["primaryEmail"], "dana@clients.com");
    assert_eq!(created[0]["source"], "calendar_attendee");
    assert_eq!(created[0]["lifecycleStage"], "Prospect");
    let detail = as_alice
        .get(&format!(
            "/api/v1/contacts/{}",
            created[0]["id"].as_str().unwrap()
        ))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(detail["identities"][0]["kind"], "email");
    assert_eq!(detail["identities"][0]["value"], "dana@clients.com");
    assert_eq!(detail["identities"][0]["provider"], "calendar");

    // Dana is a contact now: no longer suggested, and accepting again creates nothing.
    let list = as_alice.get(SUGGESTIONS).await.ok_json(StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["email"], "eli@x.com");
    let again = as_alice
        .post_json(SUGGESTIONS, &json!({"suggestionIds": [dana_id]}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(again, json!({"items": [], "unknownIds": [dana_id]}));
    let count = as_alice
        .get("/api/v1/contacts/count")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(count["count"], 1);
    let bobs_count = as_bob
        .get("/api/v1/contacts/count")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(bobs_count["count"], 0);

    let empty = as_alice
        .post_json(SUGGESTIONS, &json!({"suggestionIds": []}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&empty), ["/suggestionIds"]);
    let shape = as_alice
        .post_json(SUGGESTIONS, &json!({"suggestionIds": [dana_id, "dana"]}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&shape), ["/suggestionIds/1"]);
}

/// Inserts an email interaction as the Gmail normaliser writes it (`from` an address
/// object, `to` and `cc` arrays of them).
async fn add_email(ctx: &Ctx, user: UserId, subject: &str, when: OffsetDateTime, meta: Value) {
    let meta = meta.to_string().replace('\'', "''");
    let subject = subject.replace('\'', "''");
    let when = when.format(&Rfc3339).unwrap();
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}') ON CONFLICT DO NOTHING;
             INSERT INTO interactions (user_id, id, type, subject, occurred_at, source, source_id, source_meta)
             VALUES ('{user}', '{}', 'email', '{subject}', '{when}', 'gmail', '{}', '{meta}')",
            Uuid::now_v7(),
            Uuid::now_v7()
        ))
        .await
        .unwrap();
}

fn addr(email: &str, name: Option<&str>) -> Value {
    json!({"email": email, "name": name})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_correspondents_are_suggested_without_own_known_ignored_or_no_reply_addresses() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    // Alice's connected Google account: her own address.
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{alice}') ON CONFLICT DO NOTHING;
             INSERT INTO user_integrations (user_id, provider, service, access_token, config)
             VALUES ('{alice}', 'google', 'gmail', 'v2:test1:x', '{{\"email\": \"Me@Practice.com\"}}')"
        ))
        .await
        .unwrap();
    create_contact(
        &as_alice,
        json!({"displayName": "Known", "primaryEmail": "known@example.com"}),
    )
    .await;
    as_alice
        .post_json(IGNORED, &json!({"kind": "email", "value": "ignored@x.com"}))
        .await;
    let me = addr("me@practice.com", Some("Me"));
    // Inbound from Hana (twice), cc'ing Ivo; a no-reply sender; known and ignored people.
    for days in [2, 4] {
        add_email(
            &ctx,
            alice,
            "Question",
            at(days),
            json!({"from": addr("Hana@Clients.com", Some("Hana Client")), "to": [me],
                   "cc": [addr("ivo@x.com", None), addr("known@example.com", Some("Known"))],
                   "direction": "inbound"}),
        )
        .await;
    }
    add_email(
        &ctx,
        alice,
        "Receipt",
        at(1),
        json!({"from": addr("no-reply@shop.com", Some("Shop")), "to": [me], "cc": [],
               "direction": "inbound"}),
    )
    .await;
    // Outbound to Jo and an ignored address; an email to nobody and garbage.
    add_email(
        &ctx,
        alice,
        "Plan",
        at(3),
        json!({"from": me, "to": [addr("jo@x.com", Some("Jo")), addr("ignored@x.com", None)],
               "cc": [], "direction": "outbound"}),
    )
    .await;
    add_email(
        &ctx,
        alice,
        "Odd",
        at(1),
        json!({"from": null, "to": [42, {"email": 7}, addr("not-an-email", None)], "cc": "x"}),
    )
    .await;
    // An old email is outside the window; Bob's correspondents are his.
    add_email(
        &ctx,
        alice,
        "Old",
        at(200),
        json!({"from": addr("old@x.com", None), "to": [me], "cc": []}),
    )
    .await;
    add_email(
        &ctx,
        bob,
        "Bob's",
        at(1),
        json!({"from": addr("pal@bob.com", None), "to": [], "cc": []}),
    )
    .await;
    // Ivo also attended a session: one suggestion, from the calendar, counting both.
    add_event(
        &ctx,
        alice,
        "calendar_event",
        "Session",
        at(5),
        json!([person("ivo@x.com", Some("Ivo Cal"))]),
    )
    .await;

    let list = as_alice.get(SUGGESTIONS).await.ok_json(StatusCode::OK);
    let seen: Vec<(&str, &str, u64, u64, &str)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["email"].as_str().unwrap(),
                s["source"].as_str().unwrap(),
                s["eventCount"].as_u64().unwrap(),
                s["emailCount"].as_u64().unwrap(),
                s["confidence"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("ivo@x.com", "calendar_attendee", 1, 2, "medium"),
            ("hana@clients.com", "email_correspondent", 0, 2, "medium"),
            ("jo@x.com", "email_correspondent", 0, 1, "low"),
        ]
    );
    assert_eq!(list["items"][0]["displayName"], "Ivo Cal");
    let hana = &list["items"][1];
    assert_eq!(hana["displayName"], "Hana Client");
    assert_eq!(hana["eventTitles"], json!([]));
    assert_eq!(
        OffsetDateTime::parse(hana["lastEventDate"].as_str().unwrap(), &Rfc3339).unwrap(),
        at(2)
    );

    // Accepting creates the contact from the email, with a gmail identity; nothing was
    // created before that.
    let count = as_alice
        .get("/api/v1/contacts/count")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(count["count"], 1, "suggestions never create contacts");
    let accepted = as_alice
        .post_json(
            SUGGESTIONS,
            &json!({"suggestionIds": [sug_id("hana@clients.com")]}),
        )
        .await
        .ok_json(StatusCode::OK);
    let hana_contact = &accepted["items"][0];
    assert_eq!(hana_contact["source"], "email_correspondent");
    assert_eq!(hana_contact["primaryEmail"], "hana@clients.com");
    let detail = as_alice
        .get(&format!(
            "/api/v1/contacts/{}",
            hana_contact["id"].as_str().unwrap()
        ))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(detail["identities"][0]["provider"], "gmail");

    let bobs = ctx
        .app
        .as_user(bob)
        .get(SUGGESTIONS)
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(bobs["items"][0]["email"], "pal@bob.com");
    assert_eq!(bobs["items"].as_array().unwrap().len(), 1);
}
