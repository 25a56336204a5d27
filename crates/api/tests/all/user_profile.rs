//! `/user-profile`: defaults before the first change, upsert with PATCH semantics, the
//! validation of every field, and isolation between users.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{Ctx, setup};
use omnicrm_domain::UserId;
use omnicrm_testkit::Requester;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PATH: &str = "/api/v1/user-profile";

async fn read(as_user: &Requester<'_>) -> Value {
    let res = as_user.get(PATH).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json()
}

async fn patch(as_user: &Requester<'_>, body: Value) -> Value {
    let res = as_user.patch_json(PATH, &body).await;
    let status = res.status();
    let text = res.text();
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn stored_rows(ctx: &Ctx, user: UserId) -> i64 {
    let owner = ctx.db.owner().await.unwrap();
    owner
        .query_one(
            "SELECT count(*) FROM user_profiles WHERE user_id = $1",
            &[&user.into_uuid()],
        )
        .await
        .unwrap()
        .get(0)
}

fn empty_profile(user: UserId) -> Value {
    json!({
        "userId": user.to_string(),
        "preferredName": null,
        "organizationName": null,
        "profilePhotoUrl": null,
        "bio": null,
        "phone": null,
        "website": null,
        "timezone": "UTC",
        "locale": null,
        "createdAt": null,
        "updatedAt": null,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_user_reads_an_empty_profile_and_an_empty_patch_creates_nothing() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    assert_eq!(read(&as_user).await, empty_profile(user));
    assert_eq!(patch(&as_user, json!({})).await, empty_profile(user));
    assert_eq!(stored_rows(&ctx, user).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_upserts_keeps_absent_fields_and_clears_null_or_blank_ones() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let created = patch(
        &as_user,
        json!({
            "preferredName": "  Dr. Kim ",
            "organizationName": "Still Water Studio",
            "profilePhotoUrl": "https://cdn.example.com/kim.png",
            "bio": "Yoga and breathwork for busy people.",
            "phone": "+44 20 7946 0958 ext. 12",
            "website": "http://stillwater.example",
            "timezone": "Europe/Berlin",
        }),
    )
    .await;
    assert_eq!(created["userId"], user.to_string());
    assert_eq!(created["preferredName"], "Dr. Kim");
    assert_eq!(created["organizationName"], "Still Water Studio");
    assert_eq!(
        created["profilePhotoUrl"],
        "https://cdn.example.com/kim.png"
    );
    assert_eq!(created["phone"], "+44 20 7946 0958 ext. 12");
    assert_eq!(created["website"], "http://stillwater.example");
    assert_eq!(created["timezone"], "Europe/Berlin");
    assert!(created["createdAt"].is_string());
    assert_eq!(read(&as_user).await, created);

    // Absent fields stay; null and blank text clear; the time zone changes.
    let changed = patch(
        &as_user,
        json!({"bio": null, "website": "  ", "timezone": "America/New_York"}),
    )
    .await;
    assert_eq!(changed["bio"], Value::Null);
    assert_eq!(changed["website"], Value::Null);
    assert_eq!(changed["preferredName"], "Dr. Kim");
    assert_eq!(changed["phone"], "+44 20 7946 0958 ext. 12");
    assert_eq!(changed["timezone"], "America/New_York");
    assert_eq!(changed["createdAt"], created["createdAt"]);

    // Clearing the time zone brings back UTC.
    let reset = patch(&as_user, json!({"timezone": null})).await;
    assert_eq!(reset["timezone"], "UTC");
    assert_eq!(read(&as_user).await, reset);
    assert_eq!(stored_rows(&ctx, user).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_patch_sets_only_what_it_names() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let created = patch(&ctx.app.as_user(user), json!({"phone": "(555) 123-4567"})).await;
    let mut expected = empty_profile(user);
    expected["phone"] = json!("(555) 123-4567");
    expected["createdAt"] = created["createdAt"].clone();
    expected["updatedAt"] = created["updatedAt"].clone();
    assert_eq!(created, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_patches_make_one_profile_with_every_change() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let fields = [
        ("preferredName", "Kim"),
        ("organizationName", "Studio"),
        ("bio", "Hi"),
        ("phone", "555 0100"),
        ("website", "https://kim.example"),
        ("timezone", "Asia/Tokyo"),
    ];
    let mut tasks = tokio::task::JoinSet::new();
    for (field, value) in fields {
        let request = as_user
            .request(Method::PATCH, PATH)
            .json(&json!({ field: value }));
        tasks.spawn(async move { request.send().await.unwrap().status() });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::OK);
    }
    let profile = read(&as_user).await;
    for (field, value) in fields {
        assert_eq!(profile[field], value, "{field}");
    }
    assert_eq!(stored_rows(&ctx, user).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_fields_are_400_with_pointers_and_change_nothing() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    patch(&as_user, json!({"preferredName": "Kim"})).await;
    let cases = [
        (json!({"preferredName": "p".repeat(101)}), "/preferredName"),
        (
            json!({"organizationName": "o".repeat(101)}),
            "/organizationName",
        ),
        (json!({"bio": "b".repeat(501)}), "/bio"),
        (json!({"phone": "call me maybe"}), "/phone"),
        (json!({"phone": "1".repeat(31)}), "/phone"),
        (
            json!({"profilePhotoUrl": "javascript:alert(1)"}),
            "/profilePhotoUrl",
        ),
        (json!({"profilePhotoUrl": "kim.png"}), "/profilePhotoUrl"),
        (json!({"website": "ftp://files.example"}), "/website"),
        (json!({"website": "https://"}), "/website"),
        (json!({"timezone": "Mars/Olympus_Mons"}), "/timezone"),
        (json!({"timezone": "europe/berlin"}), "/timezone"),
        (json!({"timezone": " Europe/Berlin"}), "/timezone"),
        (
            json!({"phone": format!("   {}   ", "5".repeat(25))}),
            "/phone",
        ),
        (json!({"timezone": 5}), "/timezone"),
        (json!({"bio": ["not", "text"]}), "/bio"),
    ];
    for (payload, pointer) in cases {
        let p = as_user
            .patch_json(PATH, &payload.clone())
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), [pointer], "{payload}");
    }
    // Several bad fields at once are all named.
    let p = as_user
        .patch_json(
            PATH,
            &json!({"website": "nope", "timezone": "Nowhere", "preferredName": "Ok"}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    let mut named = pointers(&p);
    named.sort();
    assert_eq!(named, ["/timezone", "/website"]);
    as_user
        .patch_json(PATH, &json!({"nickname": "K"}))
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    // The refused changes left the profile as it was.
    let profile = read(&as_user).await;
    assert_eq!(profile["preferredName"], "Kim");
    assert_eq!(profile["timezone"], "UTC");
    assert_eq!(profile["website"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_sees_and_changes_only_their_own_profile() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let as_bob = ctx.app.as_user(bob);
    let hers = patch(
        &as_alice,
        json!({"preferredName": "Alice", "timezone": "Europe/Paris"}),
    )
    .await;
    assert_eq!(read(&as_bob).await, empty_profile(bob));
    let his = patch(&as_bob, json!({"preferredName": "Bob"})).await;
    assert_eq!(his["userId"], bob.to_string());
    assert_eq!(his["timezone"], "UTC");
    assert_eq!(read(&as_alice).await, hers);
    patch(&as_bob, json!({"preferredName": null})).await;
    assert_eq!(read(&as_alice).await["preferredName"], "Alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_profile_needs_a_token() {
    let ctx = setup().await;
    let res = ctx.app.anonymous().get(PATH).await;
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locale_is_a_language_tag_stored_trimmed_and_cleared_by_blank() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let profile = alice
        .get("/api/v1/user-profile")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(profile["locale"], Value::Null);
    let profile = alice
        .patch_json("/api/v1/user-profile", &json!({"locale": " de-CH "}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(profile["locale"], "de-CH");
    for bad in [
        "english",
        "e",
        "en_GB",
        "en-",
        "en-toolongsubtag",
        "x".repeat(36).as_str(),
    ] {
        let body = alice
            .patch_json("/api/v1/user-profile", &json!({"locale": bad}))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&body), ["/locale"], "{bad}");
    }
    let profile = alice
        .patch_json("/api/v1/user-profile", &json!({"locale": ""}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(profile["locale"], Value::Null);
}
