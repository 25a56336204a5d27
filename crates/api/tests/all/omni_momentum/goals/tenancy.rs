//! Another user's goals, contacts, tags and notes are out of reach.

use super::crud::GOALS;
use crate::common::setup;
use crate::common::tags::{new_contact, new_tag};
use omnicrm_testkit::{TestApp, pointers};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_goals_and_links_are_out_of_reach() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let goal = alice
        .post_json(
            GOALS,
            &json!({"name": "Mine", "goalType": "practitioner_personal"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let path = format!("{GOALS}/{}", goal["id"].as_str().unwrap());
    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({"name": "Bob's now"}))),
        (Method::DELETE, None),
    ] {
        bob.send_json(method, &path, body.as_ref())
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
    }
    let list = bob.get(GOALS).await.ok_json(StatusCode::OK);
    assert_eq!(list["pagination"]["total"], 0);

    // Bob cannot link Alice's contact, tag or note to his goal.
    let ana = new_contact(&alice, "Ana").await;
    let tag = new_tag(&alice, "Hers").await;
    let note = alice
        .post_json(
            "/api/v1/notes",
            &json!({"contactId": ana, "contentPlain": "x"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let p = bob
        .post_json(
            GOALS,
            &json!({"name": "x", "goalType": "client_wellness", "contactId": ana,
                    "tagIds": [tag], "noteIds": [note["id"]]}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&p), ["/contactId", "/tagIds/0", "/noteIds/0"]);
    let own = bob
        .post_json(
            GOALS,
            &json!({"name": "x", "goalType": "practitioner_personal"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let p = bob
        .patch_json(
            &format!("{GOALS}/{}", own["id"].as_str().unwrap()),
            &json!({"contactId": ana}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&p), ["/contactId"]);
    let hers = alice.get(&path).await.ok_json(StatusCode::OK);
    assert_eq!(hers["name"], "Mine");
}
