//! Contact identities, ignored identifiers and contact suggestions from calendar events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{Ctx, pointers, problem, setup};
use omnicrm_domain::UserId;
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const IDENTITIES: &str = "/api/v1/data-intelligence/contact-identities";
const IGNORED: &str = "/api/v1/data-intelligence/ignored-identifiers";
const SUGGESTIONS: &str = "/api/v1/contacts/suggestions";

async fn json_of(res: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status);
    res.json().await.unwrap()
}

async fn identity(ctx: &Ctx, user: UserId, body: Value) -> reqwest::Response {
    ctx.send(user, Method::POST, IDENTITIES, Some(body)).await
}

fn values(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_are_normalised_unique_and_editable() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let ann = ctx.named(user, "Ann").await;
    let ann_id = ann["id"].as_str().unwrap();

    let res = identity(
        &ctx,
        user,
        json!({"contactId": ann_id, "kind": "email", "value": "  Ann.Lee@Example.COM ", "provider": "gmail"}),
    )
    .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let email = json_of(res, StatusCode::CREATED).await;
    assert_eq!(email["value"], "ann.lee@example.com");
    assert_eq!(email["provider"], "gmail");
    assert_eq!(email["contactId"], ann_id);
    assert_eq!(
        location,
        format!("{IDENTITIES}/{}", email["id"].as_str().unwrap())
    );
    assert_eq!(
        json_of(
            ctx.send(user, Method::GET, &location, None).await,
            StatusCode::OK
        )
        .await,
        email
    );

    let phone = json_of(
        identity(
            &ctx,
            user,
            json!({"contactId": ann_id, "kind": "phone", "value": "(202) 555-0143"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(phone["value"], "+12025550143");
    assert_eq!(phone["provider"], Value::Null);
    let handle = json_of(
        identity(
            &ctx,
            user,
            json!({"contactId": ann_id, "kind": "handle", "value": " @AnnLee "}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(handle["value"], "@AnnLee");

    // The same identifier in another spelling, with the same provider, is taken.
    problem(
        identity(&ctx, user, json!({"contactId": ann_id, "kind": "email", "value": "ANN.LEE@example.com", "provider": "gmail"})).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    problem(
        identity(
            &ctx,
            user,
            json!({"contactId": ann_id, "kind": "phone", "value": "+1 202 555 0143"}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    // Another provider is another identity.
    identity(&ctx, user, json!({"contactId": ann_id, "kind": "email", "value": "ann.lee@example.com", "provider": "calendar"}))
        .await;

    // Invalid values are 400 at /value.
    let bad_phone = problem(
        identity(
            &ctx,
            user,
            json!({"contactId": ann_id, "kind": "phone", "value": "12"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&bad_phone), ["/value"]);
    assert_eq!(bad_phone["errors"][0]["code"], "phone");
    let bad_email = problem(
        identity(
            &ctx,
            user,
            json!({"contactId": ann_id, "kind": "email", "value": "ann at example"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&bad_email), ["/value"]);
    let missing = problem(
        identity(&ctx, user, json!({"kind": "fax", "value": "1"})).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert!(!pointers(&missing).is_empty());
    problem(
        identity(
            &ctx,
            user,
            json!({"contactId": Uuid::now_v7(), "kind": "email", "value": "x@y.z"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // PATCH normalises for the resulting kind, clears the provider, and refuses a taken result.
    let path = format!("{IDENTITIES}/{}", phone["id"].as_str().unwrap());
    let changed = json_of(
        ctx.send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"value": "202.555.0199", "provider": "manual"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["value"], "+12025550199");
    assert_eq!(changed["provider"], "manual");
    let cleared = json_of(
        ctx.send(user, Method::PATCH, &path, Some(json!({"provider": null})))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared["provider"], Value::Null);
    let to_email = problem(
        ctx.send(user, Method::PATCH, &path, Some(json!({"kind": "email"})))
            .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&to_email), ["/kind"]);
    let email_path = format!("{IDENTITIES}/{}", email["id"].as_str().unwrap());
    problem(
        ctx.send(
            user,
            Method::PATCH,
            &email_path,
            Some(json!({"provider": "calendar"})),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let null_value = problem(
        ctx.send(user, Method::PATCH, &path, Some(json!({"value": null})))
            .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&null_value), ["/value"]);

    let res = ctx.send(user, Method::DELETE, &path, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    problem(
        ctx.send(user, Method::DELETE, &path, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(user, Method::GET, &path, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_list_filters_and_paginates() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let ann = ctx.named(user, "Ann").await;
    let bob = ctx.named(user, "Bob").await;
    for (contact, kind, value, provider) in [
        (&ann, "email", "ann@x.com", Some("gmail")),
        (&ann, "phone", "+12025550143", None),
        (&bob, "email", "bob@x.com", Some("calendar")),
        (&bob, "handle", "@bobby", Some("manual")),
    ] {
        let mut body = json!({"contactId": contact["id"], "kind": kind, "value": value});
        if let Some(p) = provider {
            body["provider"] = json!(p);
        }
        assert_eq!(
            identity(&ctx, user, body).await.status(),
            StatusCode::CREATED
        );
    }
    let ctx = &ctx;
    let list = |query: String| async move {
        json_of(
            ctx.send(user, Method::GET, &format!("{IDENTITIES}{query}"), None)
                .await,
            StatusCode::OK,
        )
        .await
    };
    // Newest first.
    assert_eq!(
        values(&list(String::new()).await),
        ["@bobby", "bob@x.com", "+12025550143", "ann@x.com"]
    );
    assert_eq!(
        values(&list(format!("?contactId={}", ann["id"].as_str().unwrap())).await),
        ["+12025550143", "ann@x.com"]
    );
    assert_eq!(
        values(&list("?kind=email&kind=handle".into()).await),
        ["@bobby", "bob@x.com", "ann@x.com"]
    );
    assert_eq!(
        values(&list("?provider=gmail&provider=manual".into()).await),
        ["@bobby", "ann@x.com"]
    );
    assert_eq!(
        values(&list("?search=BOB".into()).await),
        ["@bobby", "bob@x.com"]
    );
    let page = list("?pageSize=3&page=2".into()).await;
    assert_eq!(values(&page), ["ann@x.com"]);
    assert_eq!(page["pagination"]["total"], 4);
    assert_eq!(page["pagination"]["totalPages"], 2);

    let bad = problem(
        ctx.send(user, Method::GET, &format!("{IDENTITIES}?kind=fax"), None)
            .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert!(
        pointers(&bad).iter().all(|p| p.starts_with("/kind")),
        "{bad}"
    );
    problem(
        ctx.send(
            user,
            Method::GET,
            &format!("{IDENTITIES}?pageSize=500"),
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_and_ignored_identifiers_of_another_user_are_not_found() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let ann = ctx.named(alice, "Ann").await;
    let mine = json_of(
        identity(
            &ctx,
            alice,
            json!({"contactId": ann["id"], "kind": "email", "value": "ann@x.com"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let ignored = json_of(
        ctx.send(
            alice,
            Method::POST,
            IGNORED,
            Some(json!({"kind": "email", "value": "spam@x.com"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // Bob cannot attach an identity to Alice's contact.
    problem(
        identity(
            &ctx,
            bob,
            json!({"contactId": ann["id"], "kind": "email", "value": "ann@x.com"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    for base_and_id in [
        format!("{IDENTITIES}/{}", mine["id"].as_str().unwrap()),
        format!("{IGNORED}/{}", ignored["id"].as_str().unwrap()),
    ] {
        for (method, body) in [
            (Method::GET, None),
            (Method::PATCH, Some(json!({}))),
            (Method::DELETE, None),
        ] {
            problem(
                ctx.send(bob, method.clone(), &base_and_id, body).await,
                StatusCode::NOT_FOUND,
                "not_found",
            )
            .await;
        }
    }
    problem(
        ctx.send(
            bob,
            Method::PATCH,
            &format!("{IDENTITIES}/{}", mine["id"].as_str().unwrap()),
            Some(json!({"value": "x@y.z"})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let theirs = json_of(
        ctx.send(bob, Method::GET, IDENTITIES, None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(theirs["pagination"]["total"], 0);
    let theirs = json_of(
        ctx.send(bob, Method::GET, IGNORED, None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(theirs["pagination"]["total"], 0);
    // The same identifiers are free for Bob.
    let bobs = ctx.named(bob, "Ann too").await;
    assert_eq!(
        identity(
            &ctx,
            bob,
            json!({"contactId": bobs["id"], "kind": "email", "value": "ann@x.com"})
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        ctx.send(
            bob,
            Method::POST,
            IGNORED,
            Some(json!({"kind": "email", "value": "spam@x.com"}))
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    // Alice's rows are unchanged.
    let still = json_of(
        ctx.send(alice, Method::GET, IDENTITIES, None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(values(&still), ["ann@x.com"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignored_identifiers_are_normalised_unique_and_only_their_reason_changes() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let res = ctx
        .send(
            user,
            Method::POST,
            IGNORED,
            Some(json!({"kind": "email", "value": " News@Shop.COM ", "reason": "newsletter"})),
        )
        .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let news = json_of(res, StatusCode::CREATED).await;
    assert_eq!(news["value"], "news@shop.com");
    assert_eq!(news["reason"], "newsletter");
    assert_eq!(
        location,
        format!("{IGNORED}/{}", news["id"].as_str().unwrap())
    );
    let phone = json_of(
        ctx.send(
            user,
            Method::POST,
            IGNORED,
            Some(json!({"kind": "phone", "value": "202 555 0143"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(phone["value"], "+12025550143");
    assert_eq!(phone["reason"], Value::Null);
    problem(
        ctx.send(
            user,
            Method::POST,
            IGNORED,
            Some(json!({"kind": "email", "value": "news@shop.com"})),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let bad = problem(
        ctx.send(
            user,
            Method::POST,
            IGNORED,
            Some(json!({"kind": "phone", "value": "call me"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&bad), ["/value"]);
    let long = problem(
        ctx.send(
            user,
            Method::POST,
            IGNORED,
            Some(json!({"kind": "handle", "value": "x", "reason": "r".repeat(501)})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&long), ["/reason"]);

    let changed = json_of(
        ctx.send(
            user,
            Method::PATCH,
            &location,
            Some(json!({"reason": "unsubscribed"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["reason"], "unsubscribed");
    assert_eq!(changed["value"], "news@shop.com");
    let cleared = json_of(
        ctx.send(
            user,
            Method::PATCH,
            &location,
            Some(json!({"reason": null})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared["reason"], Value::Null);
    problem(
        ctx.send(
            user,
            Method::PATCH,
            &location,
            Some(json!({"value": "other@shop.com"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;

    let list = json_of(
        ctx.send(user, Method::GET, &format!("{IGNORED}?order=asc"), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(values(&list), ["news@shop.com", "+12025550143"]);
    let phones = json_of(
        ctx.send(user, Method::GET, &format!("{IGNORED}?kind=phone"), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(values(&phones), ["+12025550143"]);

    assert_eq!(
        ctx.send(user, Method::DELETE, &location, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    problem(
        ctx.send(user, Method::GET, &location, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

/// One "now" per test binary, so timestamps computed twice agree.
static NOW: std::sync::LazyLock<OffsetDateTime> =
    std::sync::LazyLock::new(|| OffsetDateTime::now_utc().replace_nanosecond(0).unwrap());

fn at(days_ago: i64) -> OffsetDateTime {
    *NOW - Duration::days(days_ago)
}

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
    let me =
        json!({"email": "me@practice.com", "displayName": "Me", "self": true, "organizer": true});
    // Known people: a contact (other spelling), an identity, and an ignored address.
    ctx.create_contact(
        alice,
        json!({"displayName": "Known", "primaryEmail": "Known@Example.com"}),
    )
    .await;
    let aliased = ctx.named(alice, "Aliased").await;
    identity(
        &ctx,
        alice,
        json!({"contactId": aliased["id"], "kind": "email", "value": "alias@x.com"}),
    )
    .await;
    ctx.send(
        alice,
        Method::POST,
        IGNORED,
        Some(json!({"kind": "email", "value": "Ignored@X.com"})),
    )
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

    let list = json_of(
        ctx.send(alice, Method::GET, SUGGESTIONS, None).await,
        StatusCode::OK,
    )
    .await;
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
    let second = json_of(
        ctx.send(
            alice,
            Method::GET,
            &format!("{SUGGESTIONS}?page=2&pageSize=1"),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["email"], "eli@x.com");
    assert_eq!(
        (
            &second["pagination"]["total"],
            &second["pagination"]["hasNext"]
        ),
        (&json!(4), &json!(true))
    );
    let bobs = json_of(
        ctx.send(bob, Method::GET, SUGGESTIONS, None).await,
        StatusCode::OK,
    )
    .await;
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
        let bad = problem(
            ctx.send(alice, Method::GET, &format!("{SUGGESTIONS}{query}"), None)
                .await,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&bad), [pointer]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_suggestions_creates_prospects_with_email_identities() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
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
    let bobs = json_of(
        ctx.send(
            bob,
            Method::POST,
            SUGGESTIONS,
            Some(json!({"suggestionIds": [dana_id]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(bobs, json!({"items": [], "unknownIds": [dana_id]}));

    let accepted = json_of(
        ctx.send(
            alice,
            Method::POST,
            SUGGESTIONS,
            Some(json!({"suggestionIds": [dana_id, "sug-00000000", dana_id]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(accepted["unknownIds"], json!(["sug-00000000"]));
    let created = accepted["items"].as_array().unwrap();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["displayName"], "Dana Client");
    assert_eq!(created[0]["primaryEmail"], "dana@clients.com");
    assert_eq!(created[0]["source"], "calendar_attendee");
    assert_eq!(created[0]["lifecycleStage"], "Prospect");
    let detail = json_of(
        ctx.send(
            alice,
            Method::GET,
            &format!("/api/v1/contacts/{}", created[0]["id"].as_str().unwrap()),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(detail["identities"][0]["kind"], "email");
    assert_eq!(detail["identities"][0]["value"], "dana@clients.com");
    assert_eq!(detail["identities"][0]["provider"], "calendar");

    // Dana is a contact now: no longer suggested, and accepting again creates nothing.
    let list = json_of(
        ctx.send(alice, Method::GET, SUGGESTIONS, None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["email"], "eli@x.com");
    let again = json_of(
        ctx.send(
            alice,
            Method::POST,
            SUGGESTIONS,
            Some(json!({"suggestionIds": [dana_id]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again, json!({"items": [], "unknownIds": [dana_id]}));
    let count = json_of(
        ctx.send(alice, Method::GET, "/api/v1/contacts/count", None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(count["count"], 1);
    let bobs_count = json_of(
        ctx.send(bob, Method::GET, "/api/v1/contacts/count", None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(bobs_count["count"], 0);

    let empty = problem(
        ctx.send(
            alice,
            Method::POST,
            SUGGESTIONS,
            Some(json!({"suggestionIds": []})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&empty), ["/suggestionIds"]);
    let shape = problem(
        ctx.send(
            alice,
            Method::POST,
            SUGGESTIONS,
            Some(json!({"suggestionIds": [dana_id, "dana"]})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&shape), ["/suggestionIds/1"]);
}
