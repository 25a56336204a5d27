//! `google.normalise`: a sync run's raw events (the Google wire format) become interactions
//! linked to contacts, counted once in the run's ledger; a re-run changes nothing.

use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::timeline::{
    ME, alternative, calendar_event, connect_google, gmail_message, leaf, normalise, open_run,
    rows, store_raw,
};
use crate::common::{create_contact, setup};

/// multipart/alternative, quoted-printable text (Gmail has undone the transfer encoding),
/// an encoded-word sender name, a Cc with a quoted comma.
fn inbound_alternative() -> Value {
    gmail_message(
        "18c1a2b3c4d5e6f7",
        &["INBOX", "UNREAD", "CATEGORY_PERSONAL"],
        &[
            (
                "From",
                "=?UTF-8?Q?Ren=C3=A9e_Dupont?= <Renee.Dupont@Example.org>",
            ),
            ("To", "Me <me@practice.example>"),
            ("Cc", "\"Martin, Paul\" <paul@example.net>"),
            ("Subject", "=?UTF-8?B?UmU6IE7DpGNoc3RlIFNpdHp1bmc=?="),
        ],
        alternative(vec![
            leaf(
                "0",
                "text/plain; charset=\"UTF-8\"",
                &[("Content-Transfer-Encoding", "quoted-printable")],
                "Hi,\r\n\r\nThursday works — see you then.\r\n\r\nRenée\r\n".as_bytes(),
            ),
            leaf(
                "1",
                "text/html; charset=\"UTF-8\"",
                &[("Content-Transfer-Encoding", "quoted-printable")],
                b"<div dir=\"ltr\">Hi,<br><br>Thursday works</div>",
            ),
        ]),
    )
}

/// HTML only, Latin-1, sent by the practitioner.
fn outbound_html_only() -> Value {
    gmail_message(
        "18c1a2b3c4d5e6f8",
        &["SENT"],
        &[
            ("From", "Me <ME@practice.example>"),
            ("To", "=?iso-8859-1?Q?Andr=E9?= <andre@example.com>, Renee.Dupont@example.org"),
            ("Subject", "Your plan"),
        ],
        leaf(
            "",
            "text/html; charset=ISO-8859-1",
            &[("Content-Transfer-Encoding", "base64")],
            b"<html><head><style>p{color:red}</style></head><body><p>Dear Andr\xe9,</p><p>Here is the plan &amp; the times.</p><script>x()</script></body></html>",
        ),
    )
}

fn spam() -> Value {
    gmail_message(
        "18c1a2b3c4d5e6f9",
        &["SPAM"],
        &[
            ("From", "Winner <prize@lottery.example>"),
            ("To", ME),
            ("Subject", "You won"),
        ],
        leaf("", "text/plain; charset=UTF-8", &[], b"Click here"),
    )
}

fn meeting() -> Value {
    calendar_event(
        "evt1abc",
        json!({
            "summary": "Follow-up: nutrition plan",
            "description": "<b>Bring</b> the food diary &amp; questions",
            "location": "Studio 2, Hauptstr. 5",
            "organizer": { "email": "no-reply@bookings.example", "displayName": "Booking System" },
            "attendees": [
                { "email": ME, "self": true, "responseStatus": "accepted" },
                { "email": "Renee.Dupont@example.org", "displayName": "Renée Dupont", "responseStatus": "accepted" },
                { "email": "kim@example.com", "displayName": "Kim Park", "responseStatus": "needsAction" },
                { "email": "c_1889@resource.calendar.google.com", "displayName": "Studio 2", "resource": true, "responseStatus": "accepted" }
            ],
            "recurringEventId": "evt1",
            "originalStartTime": { "dateTime": "2026-12-03T10:00:00+01:00", "timeZone": "Europe/Berlin" }
        }),
    )
}

fn all_day() -> Value {
    calendar_event(
        "evt2allday",
        json!({
            "summary": "Retreat",
            "start": { "date": "2026-12-10" },
            "end": { "date": "2026-12-12" },
            "recurrence": ["RRULE:FREQ=YEARLY"]
        }),
    )
}

fn cancelled() -> Value {
    json!({ "kind": "calendar#event", "etag": "\"1\"", "id": "evt3gone", "status": "cancelled" })
}

#[tokio::test]
async fn gmail_and_calendar_raw_events_become_linked_interactions_counted_once() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    connect_google(&ctx, user).await;
    // Renée is a contact by her primary email; André through an identity.
    let renee = create_contact(
        &alice,
        json!({ "displayName": "Renée Dupont", "primaryEmail": "renee.dupont@example.org" }),
    )
    .await;
    let andre = create_contact(&alice, json!({ "displayName": "André" })).await;
    alice
        .post_json(
            "/api/v1/data-intelligence/contact-identities",
            &json!({ "contactId": andre["id"], "kind": "email", "value": "andre@example.com" }),
        )
        .await
        .ok_json(StatusCode::CREATED);

    let gmail_run = open_run(&ctx, user, "gmail").await;
    store_raw(
        &ctx,
        user,
        "gmail",
        "18c1a2b3c4d5e6f7",
        gmail_run,
        &inbound_alternative(),
    )
    .await;
    store_raw(
        &ctx,
        user,
        "gmail",
        "18c1a2b3c4d5e6f8",
        gmail_run,
        &outbound_html_only(),
    )
    .await;
    store_raw(&ctx, user, "gmail", "18c1a2b3c4d5e6f9", gmail_run, &spam()).await;
    let cal_run = open_run(&ctx, user, "calendar").await;
    store_raw(&ctx, user, "calendar", "evt1abc", cal_run, &meeting()).await;
    store_raw(&ctx, user, "calendar", "evt2allday", cal_run, &all_day()).await;
    store_raw(&ctx, user, "calendar", "evt3gone", cal_run, &cancelled()).await;

    normalise(&ctx, user, gmail_run).await;
    normalise(&ctx, user, cal_run).await;

    let interactions = rows(
        &ctx,
        "SELECT source_id, type, subject, body_text, contact_id, source_meta,
                to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') AS at
         FROM interactions ORDER BY source_id",
    )
    .await;
    assert_eq!(interactions.len(), 4, "{interactions:#?}");
    let by = |id: &str| {
        interactions
            .iter()
            .find(|i| i["source_id"] == id)
            .unwrap()
            .clone()
    };

    let inbound = by("18c1a2b3c4d5e6f7");
    assert_eq!(inbound["type"], "email");
    assert_eq!(inbound["subject"], "Re: Nächste Sitzung");
    assert_eq!(
        inbound["body_text"],
        "Hi,\n\nThursday works — see you then.\n\nRenée"
    );
    assert_eq!(inbound["contact_id"], renee["id"]);
    assert_eq!(inbound["at"], "2026-11-30T17:12:00");
    let meta = &inbound["source_meta"];
    assert_eq!(
        meta["from"],
        json!({ "email": "renee.dupont@example.org", "name": "Renée Dupont" })
    );
    assert_eq!(
        meta["cc"],
        json!([{ "email": "paul@example.net", "name": "Martin, Paul" }])
    );
    assert_eq!(meta["direction"], "inbound");
    assert_eq!(meta["threadId"], "thr-18c1a2b3c4d5e6f7");
    assert_eq!(
        meta["snippet"],
        "Hi Ada, here's the plan for Thursday & after"
    );
    assert_eq!(
        meta["labelIds"],
        json!(["INBOX", "UNREAD", "CATEGORY_PERSONAL"])
    );

    let outbound = by("18c1a2b3c4d5e6f8");
    assert_eq!(outbound["source_meta"]["direction"], "outbound");
    assert_eq!(
        outbound["body_text"],
        "Dear André,\nHere is the plan & the times."
    );
    assert_eq!(outbound["source_meta"]["to"][0]["name"], "André");
    assert_eq!(
        outbound["contact_id"], andre["id"],
        "the first recipient's contact"
    );

    let event = by("evt1abc");
    assert_eq!(event["type"], "calendar_event");
    assert_eq!(event["subject"], "Follow-up: nutrition plan");
    assert_eq!(event["body_text"], "Bring the food diary & questions");
    assert_eq!(event["contact_id"], renee["id"]);
    assert_eq!(event["at"], "2026-12-03T09:00:00");
    let meta = &event["source_meta"];
    assert_eq!(meta["location"], "Studio 2, Hauptstr. 5");
    assert_eq!(meta["timeZone"], "Europe/Berlin");
    assert_eq!(meta["allDay"], false);
    assert_eq!(meta["recurringEventId"], "evt1");
    assert_eq!(meta["attendees"][2]["responseStatus"], "needsAction");
    assert_eq!(meta["attendees"][3]["resource"], true);
    assert_eq!(meta["organizer"]["email"], "no-reply@bookings.example");

    let retreat = by("evt2allday");
    assert_eq!(retreat["source_meta"]["allDay"], true);
    assert_eq!(
        retreat["source_meta"]["recurrence"],
        json!(["RRULE:FREQ=YEARLY"])
    );
    assert_eq!(retreat["at"], "2026-12-10T00:00:00");
    assert_eq!(retreat["contact_id"], Value::Null);

    // Renée was known by her primary email only: the identity is recorded now.
    let identities = rows(
        &ctx,
        "SELECT value, provider FROM contact_identities WHERE kind = 'email' ORDER BY value",
    )
    .await;
    assert_eq!(
        identities,
        vec![
            json!({ "value": "andre@example.com", "provider": null }),
            json!({ "value": "renee.dupont@example.org", "provider": "gmail" }),
        ]
    );

    let raw = rows(
        &ctx,
        "SELECT source_id, processing_status, processing_error, contact_extraction_status
         FROM raw_events ORDER BY source_id",
    )
    .await;
    assert_eq!(
        raw,
        vec![
            json!({ "source_id": "18c1a2b3c4d5e6f7", "processing_status": "completed", "processing_error": null, "contact_extraction_status": "yes" }),
            json!({ "source_id": "18c1a2b3c4d5e6f8", "processing_status": "completed", "processing_error": null, "contact_extraction_status": "yes" }),
            json!({ "source_id": "18c1a2b3c4d5e6f9", "processing_status": "skipped", "processing_error": "spam", "contact_extraction_status": null }),
            json!({ "source_id": "evt1abc", "processing_status": "completed", "processing_error": null, "contact_extraction_status": "yes" }),
            json!({ "source_id": "evt2allday", "processing_status": "completed", "processing_error": null, "contact_extraction_status": "no_identifiers" }),
            json!({ "source_id": "evt3gone", "processing_status": "skipped", "processing_error": "cancelled", "contact_extraction_status": null }),
        ]
    );

    let ledger = "SELECT service, imported, skipped, failed FROM google_sync_runs ORDER BY service";
    let expected = vec![
        json!({ "service": "calendar", "imported": 2, "skipped": { "cancelled": 1 }, "failed": 0 }),
        json!({ "service": "gmail", "imported": 2, "skipped": { "spam": 1 }, "failed": 0 }),
    ];
    assert_eq!(rows(&ctx, ledger).await, expected);

    // Kim (an attendee) and Paul (in copy of Renée's email) are not contacts: suggestions;
    // the practitioner, the room and the no-reply organizer are not.
    let suggestions = alice
        .get("/api/v1/contacts/suggestions")
        .await
        .ok_json(StatusCode::OK);
    let emails: Vec<&str> = suggestions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        ["kim@example.com", "paul@example.net"],
        "{suggestions}"
    );

    // A re-run changes nothing: no row is rewritten, no count added.
    let versions = "SELECT id, xmin::text AS v FROM interactions ORDER BY id";
    let before = rows(&ctx, versions).await;
    normalise(&ctx, user, gmail_run).await;
    normalise(&ctx, user, cal_run).await;
    assert_eq!(rows(&ctx, versions).await, before);
    assert_eq!(rows(&ctx, ledger).await, expected);
}

#[tokio::test]
async fn a_changed_payload_updates_its_interaction_and_a_cancellation_removes_it() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    connect_google(&ctx, user).await;
    let run = open_run(&ctx, user, "calendar").await;
    store_raw(&ctx, user, "calendar", "evt1abc", run, &meeting()).await;
    normalise(&ctx, user, run).await;

    let mut moved = meeting();
    moved["summary"] = json!("Follow-up (moved)");
    let second = open_run(&ctx, user, "calendar").await;
    store_raw(&ctx, user, "calendar", "evt1abc", second, &moved).await;
    normalise(&ctx, user, second).await;
    let subjects = rows(&ctx, "SELECT subject FROM interactions").await;
    assert_eq!(subjects, vec![json!({ "subject": "Follow-up (moved)" })]);

    let mut gone = cancelled();
    gone["id"] = json!("evt1abc");
    let third = open_run(&ctx, user, "calendar").await;
    store_raw(&ctx, user, "calendar", "evt1abc", third, &gone).await;
    normalise(&ctx, user, third).await;
    assert!(rows(&ctx, "SELECT id FROM interactions").await.is_empty());
    let ledger = rows(
        &ctx,
        &format!("SELECT imported, skipped FROM google_sync_runs WHERE id = '{third}'"),
    )
    .await;
    assert_eq!(
        ledger,
        vec![json!({ "imported": 0, "skipped": { "cancelled": 1 } })]
    );
}

#[tokio::test]
async fn a_chunk_is_written_with_one_statement_per_kind_of_write() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    connect_google(&ctx, user).await;
    for i in 0..10 {
        create_contact(
            &alice,
            json!({ "displayName": format!("Client {i}"), "primaryEmail": format!("c{i}@clients.example") }),
        )
        .await;
    }
    // Every statement on the tables normalisation writes is counted (statement-level
    // triggers, as the owner).
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(
            "CREATE TABLE stmt_count (tbl text, op text);
             CREATE FUNCTION count_stmt() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
                 SET search_path = public AS $$
                 BEGIN INSERT INTO stmt_count VALUES (TG_TABLE_NAME, TG_OP); RETURN NULL; END $$;
             CREATE TRIGGER count_stmt AFTER INSERT OR UPDATE OR DELETE ON interactions
                 FOR EACH STATEMENT EXECUTE FUNCTION count_stmt();
             CREATE TRIGGER count_stmt AFTER INSERT OR UPDATE OR DELETE ON contact_identities
                 FOR EACH STATEMENT EXECUTE FUNCTION count_stmt();",
        )
        .await
        .unwrap();
    let run = open_run(&ctx, user, "gmail").await;
    for i in 0..30 {
        let message = gmail_message(
            &format!("msg{i:03}"),
            &["INBOX"],
            &[
                ("From", &format!("Person {i} <c{i}@clients.example>")),
                ("To", ME),
                ("Subject", &format!("Hello {i}")),
            ],
            leaf("", "text/plain; charset=UTF-8", &[], b"Hello"),
        );
        store_raw(&ctx, user, "gmail", &format!("msg{i:03}"), run, &message).await;
    }
    normalise(&ctx, user, run).await;
    let written = rows(
        &ctx,
        "SELECT tbl, op, count(*) AS n FROM stmt_count GROUP BY tbl, op ORDER BY tbl, op",
    )
    .await;
    let n = |table: &str, op: &str| {
        written
            .iter()
            .find(|r| r["tbl"] == table && r["op"] == op)
            .map_or(0, |r| r["n"].as_i64().unwrap())
    };
    assert_eq!(n("interactions", "INSERT"), 1, "{written:?}");
    // The upsert's ON CONFLICT branch and the links: one UPDATE statement each.
    assert!(n("interactions", "UPDATE") <= 2, "{written:?}");
    assert_eq!(n("contact_identities", "INSERT"), 1, "{written:?}");
    let linked = rows(
        &ctx,
        "SELECT count(*) FILTER (WHERE contact_id IS NOT NULL) AS linked, count(*) AS total FROM interactions",
    )
    .await;
    assert_eq!(linked[0], json!({"linked": 10, "total": 30}));
    let identities = rows(&ctx, "SELECT count(*) AS n FROM contact_identities").await;
    assert_eq!(identities[0]["n"], 10);
}
