//! Another user's identities and ignored identifiers are not found.

use crate::common::identities::*;
use crate::common::named_contact;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_and_ignored_identifiers_of_another_user_are_not_found() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let as_bob = ctx.app.as_user(bob);
    let ann = named_contact(&as_alice, "Ann").await;
    let mine = identity(
        &as_alice,
        json!({"contactId": ann["id"], "kind": "email", "value": "ann@x.com"}),
    )
    .await
    .ok_json(StatusCode::CREATED);
    let ignored = as_alice
        .post_json(IGNORED, &json!({"kind": "email", "value": "spam@x.com"}))
        .await
        .ok_json(StatusCode::CREATED);
    // Bob cannot attach an identity to Alice's contact.
    identity(
        &as_bob,
        json!({"contactId": ann["id"], "kind": "email", "value": "ann@x.com"}),
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not_found");
    for base_and_id in [
        format!("{IDENTITIES}/{}", mine["id"].as_str().unwrap()),
        format!("{IGNORED}/{}", ignored["id"].as_str().unwrap()),
    ] {
        for (method, body) in [
            (Method::GET, None),
            (Method::PATCH, Some(json!({}))),
            (Method::DELETE, None),
        ] {
            as_bob
                .send_json(method.clone(), &base_and_id, body.as_ref())
                .await
                .problem(StatusCode::NOT_FOUND, "not_found");
        }
    }
    as_bob
        .patch_json(
            &format!("{IDENTITIES}/{}", mine["id"].as_str().unwrap()),
            &json!({"value": "x@y.z"}),
        )
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let theirs = as_bob.get(IDENTITIES).await.ok_json(StatusCode::OK);
    assert_eq!(theirs["pagination"]["total"], 0);
    let theirs = as_bob.get(IGNORED).await.ok_json(StatusCode::OK);
    assert_eq!(theirs["pagination"]["total"], 0);
    // The same identifiers are free for Bob.
    let bobs = named_contact(&as_bob, "Ann too").await;
    assert_eq!(
        identity(
            &as_bob,
            json!({"contactId": bobs["id"], "kind": "email", "value": "ann@x.com"})
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        as_bob
            .post_json(IGNORED, &json!({"kind": "email", "value": "spam@x.com"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    // Alice's rows are unchanged.
    let still = as_alice.get(IDENTITIES).await.ok_json(StatusCode::OK);
    assert_eq!(values(&still), ["ann@x.com"]);
}
