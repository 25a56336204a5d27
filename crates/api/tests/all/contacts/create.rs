//! `POST /api/v1/contacts`: the created contact, its Location, and the duplicate guard.
use crate::common::contacts::*;
use crate::common::create_contact;
use crate::common::named_contact;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_answers_201_with_location_and_the_stored_contact() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let res = as_user
        .post_json(
            "/api/v1/contacts",
            &json!({
                "displayName": "  Maya Patel ",
                "primaryEmail": "maya@example.com",
                "primaryPhone": "+44 20 7946 0958",
                "dateOfBirth": "1988-04-02",
                "address": {"city": "Bristol", "postalCode": "BS1"},
                "healthContext": {"allergies": ["latex"]},
                "preferences": {"communicationMethod": "sms"},
                "clientStatus": "at_risk"
            }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.header("location").unwrap().to_owned();
    let created: Value = res.json();
    assert_eq!(
        location,
        format!("/api/v1/contacts/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["displayName"], "Maya Patel");
    assert_eq!(created["source"], "manual");
    assert_eq!(created["clientStatus"], "at_risk");
    assert_eq!(created["dateOfBirth"], "1988-04-02");
    assert_eq!(created["address"]["postalCode"], "BS1");
    assert_eq!(created["userId"], user.to_string());

    let mut fetched: Value = as_user.get(&location).await.json();
    // The detail view adds what hangs off the contact (nothing yet) to the contact itself.
    for key in [
        "notes",
        "tags",
        "identities",
        "consents",
        "possibleDuplicates",
        "history",
    ] {
        assert_eq!(fetched[key], json!([]), "{key}");
        fetched.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(fetched, created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_email_or_phone_is_409_naming_the_existing_contact_unless_allowed() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let first = create_contact(
        &as_user,
        json!({"displayName": "Ann", "primaryEmail": "Ann@Example.com"}),
    )
    .await;
    let res = as_user
        .post_json(
            "/api/v1/contacts",
            &json!({"displayName": "Ann 2", "primaryEmail": "ann@example.com"}),
        )
        .await;
    let body = res.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(body["existingId"], first["id"]);
    let res = as_user
        .post_json(
            "/api/v1/contacts?allowDuplicate=true",
            &json!({"displayName": "Ann 2", "primaryEmail": "ann@example.com"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // Another user may hold the same email.
    let other = TestApp::new_user();
    create_contact(
        &ctx.app.as_user(other),
        json!({"displayName": "Ann", "primaryEmail": "ann@example.com"}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_of_one_email_make_exactly_one_contact() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    // The user's first contacts: the tenants row does not exist yet either.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        // Half by email (in different cases), half by phone (in different spellings).
        let body = match i % 4 {
            0 => json!({"displayName": format!("Ann {i}"), "primaryEmail": "Ann@Example.com"}),
            1 => json!({"displayName": format!("Bo {i}"), "primaryPhone": "+44 20 7946 0958"}),
            2 => json!({"displayName": format!("Ann {i}"), "primaryEmail": "ann@example.com"}),
            _ => json!({"displayName": format!("Bo {i}"), "primaryPhone": "+442079460958"}),
        };
        // Built here, sent in a spawned task (which outlives the borrow of the app).
        let request = as_user
            .request(Method::POST, "/api/v1/contacts")
            .json(&body);
        tasks.spawn(async move { request.send().await.unwrap().status() });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (2, 6), "{statuses:?}");
    let res = as_user.get("/api/v1/contacts").await;
    let body: Value = res.json();
    assert_eq!(body["pagination"]["total"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_guard_matches_emails_case_insensitively_phones_in_e164_and_identities() {
    let ctx = setup().await;
    let (user, other) = (TestApp::new_user(), TestApp::new_user());
    let as_user = ctx.app.as_user(user);
    let ann = create_contact(&as_user, json!({"displayName": "Ann", "primaryEmail": "Ann@Example.com", "primaryPhone": "(202) 555-0143"})).await;
    let bob = named_contact(&as_user, "Bob").await;
    for (kind, value) in [
        ("email", "Bobby@Work.example"),
        ("phone", "+44 20 7946 0958"),
    ] {
        let res = as_user
            .post_json(
                "/api/v1/data-intelligence/contact-identities",
                &json!({"contactId": id_of(&bob), "kind": kind, "value": value}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }

    let conflict = |body: Value| {
        let as_user = as_user.clone();
        async move { as_user.post_json("/api/v1/contacts", &body).await }
    };
    for (body, existing) in [
        (
            json!({"displayName": "A2", "primaryEmail": "ann@EXAMPLE.com"}),
            &ann,
        ),
        (
            json!({"displayName": "A3", "primaryPhone": "+1 202-555-0143"}),
            &ann,
        ),
        (
            json!({"displayName": "A4", "primaryPhone": "2025550143"}),
            &ann,
        ),
        (
            json!({"displayName": "B2", "primaryEmail": "bobby@work.example"}),
            &bob,
        ),
        (
            json!({"displayName": "B3", "primaryPhone": "+442079460958"}),
            &bob,
        ),
    ] {
        let p = conflict(body.clone())
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        assert_eq!(p["existingId"], existing["id"], "{body}");
    }
    // A different number, an unparsable one nobody has, and another user are fine.
    for body in [
        json!({"displayName": "C", "primaryPhone": "(202) 555-0144"}),
        json!({"displayName": "D", "primaryPhone": "555-01"}),
    ] {
        assert_eq!(conflict(body).await.status(), StatusCode::CREATED);
    }
    create_contact(
        &ctx.app.as_user(other),
        json!({"displayName": "Ann", "primaryEmail": "ann@example.com"}),
    )
    .await;
    // Explicitly allowed duplicates are created.
    let res = as_user
        .post_json(
            "/api/v1/contacts?allowDuplicate=true",
            &json!({"displayName": "Ann again", "primaryPhone": "202.555.0143"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}
