//! Another user's contact is invisible: 404 on every verb, absent from lists and counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use crate::common::contacts::*;
use crate::common::{problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_contact_is_not_found_on_every_verb_and_never_listed() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let contact = ctx
        .create_contact(
            alice,
            json!({"displayName": "Ann Lee", "primaryEmail": "ann@example.com"}),
        )
        .await;
    let path = format!("/api/v1/contacts/{}", contact["id"].as_str().unwrap());

    problem(
        ctx.send(bob, Method::GET, &path, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(
            bob,
            Method::PATCH,
            &path,
            Some(json!({"displayName": "Stolen"})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(bob, Method::DELETE, &path, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let list: Value = ctx
        .send(bob, Method::GET, "/api/v1/contacts?search=ann", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(list["pagination"]["total"], 0);
    let count: Value = ctx
        .send(bob, Method::GET, "/api/v1/contacts/count", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count["count"], 0);

    // Alice's contact survived Bob's attempts, unchanged.
    let mine: Value = ctx
        .send(alice, Method::GET, &path, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["displayName"], "Ann Lee");
    let count: Value = ctx
        .send(alice, Method::GET, "/api/v1/contacts/count", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count["count"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_id_that_is_not_a_uuid_is_not_found() {
    let ctx = setup().await;
    let res = ctx
        .send(
            TestApp::new_user(),
            Method::GET,
            "/api/v1/contacts/not-a-uuid",
            None,
        )
        .await;
    problem(res, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_contacts_stay_out_of_search_detail_and_bulk_delete() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let anna = ctx.named(alice, "Anna Smith").await;
    add_note(&ctx, alice, &id_of(&anna), "private", 1).await;
    ctx.named(bob, "Annabel").await;

    let bobs = get_json(&ctx, bob, "/api/v1/contacts?search=anna").await;
    assert_eq!(names(&bobs), ["Annabel"]);
    let typo = get_json(&ctx, bob, "/api/v1/contacts?search=smiht").await;
    assert_eq!(typo["pagination"]["total"], 0);
    problem(
        ctx.send(
            bob,
            Method::GET,
            &format!("/api/v1/contacts/{}", id_of(&anna)),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let listed = get_json(&ctx, bob, "/api/v1/contacts").await;
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["lastNote"].is_null())
    );
}
