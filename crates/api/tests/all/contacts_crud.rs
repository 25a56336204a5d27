//! Contacts: create, read, list (search, filters, sort, pagination), PATCH, DELETE, count.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_answers_201_with_location_and_the_stored_contact() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let res = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/contacts",
            Some(json!({
                "displayName": "  Maya Patel ",
                "primaryEmail": "maya@example.com",
                "primaryPhone": "+44 20 7946 0958",
                "dateOfBirth": "1988-04-02",
                "address": {"city": "Bristol", "postalCode": "BS1"},
                "healthContext": {"allergies": ["latex"]},
                "preferences": {"communicationMethod": "sms"},
                "clientStatus": "at_risk"
            })),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_owned();
    let created: Value = res.json().await.unwrap();
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

    let mut fetched: Value = ctx
        .send(user, Method::GET, &location, None)
        .await
        .json()
        .await
        .unwrap();
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
async fn patch_leaves_absent_fields_and_clears_nulls() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let c = ctx.create_contact(user, json!({"displayName": "Jo", "primaryEmail": "jo@example.com", "primaryPhone": "555-123-4567"})).await;
    let path = format!("/api/v1/contacts/{}", c["id"].as_str().unwrap());
    let res = ctx
        .send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"primaryEmail": null, "lifecycleStage": "Core Client"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["primaryEmail"], Value::Null);
    assert_eq!(updated["primaryPhone"], "555-123-4567");
    assert_eq!(updated["displayName"], "Jo");
    assert_eq!(updated["lifecycleStage"], "Core Client");
    let res = ctx
        .send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"displayName": null})),
        )
        .await;
    problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_answers_204_then_404() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let c = ctx.named(user, "Gone Soon").await;
    let path = format!("/api/v1/contacts/{}", c["id"].as_str().unwrap());
    assert_eq!(
        ctx.send(user, Method::DELETE, &path, None).await.status(),
        StatusCode::NO_CONTENT
    );
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
async fn duplicate_email_or_phone_is_409_naming_the_existing_contact_unless_allowed() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let first = ctx
        .create_contact(
            user,
            json!({"displayName": "Ann", "primaryEmail": "Ann@Example.com"}),
        )
        .await;
    let res = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/contacts",
            Some(json!({"displayName": "Ann 2", "primaryEmail": "ann@example.com"})),
        )
        .await;
    let body = problem(res, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(body["existingId"], first["id"]);
    let res = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/contacts?allowDuplicate=true",
            Some(json!({"displayName": "Ann 2", "primaryEmail": "ann@example.com"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // Another user may hold the same email.
    let other = TestApp::new_user();
    ctx.create_contact(
        other,
        json!({"displayName": "Ann", "primaryEmail": "ann@example.com"}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_of_one_email_make_exactly_one_contact() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    // The user's first contacts: the tenants row does not exist yet either.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let http = ctx.app.http.clone();
        let url = ctx.app.url("/api/v1/contacts");
        // Half by email (in different cases), half by phone (in different spellings).
        let body = match i % 4 {
            0 => json!({"displayName": format!("Ann {i}"), "primaryEmail": "Ann@Example.com"}),
            1 => json!({"displayName": format!("Bo {i}"), "primaryPhone": "+44 20 7946 0958"}),
            2 => json!({"displayName": format!("Ann {i}"), "primaryEmail": "ann@example.com"}),
            _ => json!({"displayName": format!("Bo {i}"), "primaryPhone": "+442079460958"}),
        };
        tasks.spawn(async move {
            let res = http
                .post(url)
                .bearer_auth(TestApp::token(user))
                .json(&body)
                .send()
                .await
                .unwrap();
            res.status()
        });
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
    let res = ctx.send(user, Method::GET, "/api/v1/contacts", None).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["pagination"]["total"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_searches_filters_sorts_and_paginates() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    ctx.create_contact(user, json!({"displayName": "Zoe Quinn", "primaryEmail": "zoe@yoga.example", "lifecycleStage": "Prospect"})).await;
    ctx.create_contact(user, json!({"displayName": "adam Smith", "primaryPhone": "555-000-1111", "clientStatus": "churned"})).await;
    ctx.create_contact(
        user,
        json!({"displayName": "Bea 100%", "source": "referral"}),
    )
    .await;

    let get = |q: &'static str| {
        let ctx = &ctx;
        async move {
            let res = ctx
                .send(user, Method::GET, &format!("/api/v1/contacts?{q}"), None)
                .await;
            assert_eq!(res.status(), StatusCode::OK, "{q}");
            let body: Value = res.json().await.unwrap();
            body
        }
    };
    let names = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["displayName"].as_str().unwrap().to_owned())
            .collect()
    };

    assert_eq!(
        names(&get("sort=displayName&order=asc").await),
        ["adam Smith", "Bea 100%", "Zoe Quinn"]
    );
    assert_eq!(
        names(&get("sort=displayName&order=desc").await),
        ["Zoe Quinn", "Bea 100%", "adam Smith"]
    );
    assert_eq!(names(&get("search=YOGA").await), ["Zoe Quinn"]);
    assert_eq!(names(&get("search=000-11").await), ["adam Smith"]);
    // `%` is matched literally, not as a wildcard.
    assert_eq!(names(&get("search=0%25").await), ["Bea 100%"]);
    assert_eq!(
        names(&get("clientStatus=churned&clientStatus=at_risk").await),
        ["adam Smith"]
    );
    assert_eq!(names(&get("lifecycleStage=Prospect").await), ["Zoe Quinn"]);
    assert_eq!(
        names(&get("source=referral&source=manual&sort=displayName&order=asc").await),
        ["adam Smith", "Bea 100%", "Zoe Quinn"]
    );

    let page = get("sort=displayName&order=asc&pageSize=2&page=2").await;
    assert_eq!(names(&page), ["Zoe Quinn"]);
    assert_eq!(
        page["pagination"],
        json!({"page": 2, "pageSize": 2, "total": 3, "totalPages": 2, "hasNext": false, "hasPrev": true})
    );
    let past_end = get("page=9").await;
    assert_eq!(past_end["items"].as_array().map(Vec::len), Some(0));

    let count: Value = ctx
        .send(
            user,
            Method::GET,
            "/api/v1/contacts/count?clientStatus=active",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count["count"], 2);

    for bad in ["sort=colour", "pageSize=201", "page=0", "clientStatus=vip"] {
        let res = ctx
            .send(user, Method::GET, &format!("/api/v1/contacts?{bad}"), None)
            .await;
        problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
    }
    let res = ctx
        .send(user, Method::GET, "/api/v1/contacts?colour=red", None)
        .await;
    problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;
}
