//! Another user's identities and ignored identifiers are not found.

use crate::common::identities::*;
use crate::common::{problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

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
