//! Another user's contact is invisible: 404 on every verb, absent from lists and counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use crate::common::contacts::*;
use crate::common::create_contact;
use crate::common::named_contact;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_contact_is_not_found_on_every_verb_and_never_listed() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let as_bob = ctx.app.as_user(bob);
    let contact = create_contact(
        &as_alice,
        json!({"displayName": "Ann Lee", "primaryEmail": "ann@example.com"}),
    )
    .await;
    let path = format!("/api/v1/contacts/{}", contact["id"].as_str().unwrap());

    as_bob
        .get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    as_bob
        .patch_json(&path, &json!({"displayName": "Stolen"}))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    as_bob
        .delete(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");

    let list: Value = as_bob.get("/api/v1/contacts?search=ann").await.json();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(list["pagination"]["total"], 0);
    let count: Value = as_bob.get("/api/v1/contacts/count").await.json();
    assert_eq!(count["count"], 0);

    // Alice's contact survived Bob's attempts, unchanged.
    let mine: Value = as_alice.get(&path).await.json();
    assert_eq!(mine["displayName"], "Ann Lee");
    let count: Value = as_alice.get("/api/v1/contacts/count").await.json();
    assert_eq!(count["count"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_id_that_is_not_a_uuid_is_not_found() {
    let ctx = setup().await;
    let res = ctx
        .app
        .as_user(TestApp::new_user())
        .get("/api/v1/contacts/not-a-uuid")
        .await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_contacts_stay_out_of_search_detail_and_bulk_delete() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_bob = ctx.app.as_user(bob);
    let anna = named_contact(&ctx.app.as_user(alice), "Anna Smith").await;
    add_note(&ctx, alice, &id_of(&anna), "private", 1).await;
    named_contact(&as_bob, "Annabel").await;

    let bobs = as_bob
        .get("/api/v1/contacts?search=anna")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(names(&bobs), ["Annabel"]);
    let typo = as_bob
        .get("/api/v1/contacts?search=smiht")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(typo["pagination"]["total"], 0);
    as_bob
        .get(&format!("/api/v1/contacts/{}", id_of(&anna)))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let listed = as_bob.get("/api/v1/contacts").await.ok_json(StatusCode::OK);
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["lastNote"].is_null())
    );
}
