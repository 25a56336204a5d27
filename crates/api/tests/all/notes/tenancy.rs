//! Another user's notes, contacts, tags and goals are out of reach on every notes route.

use crate::common::notes::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_notes_contacts_tags_and_goals_are_out_of_reach() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let as_bob = ctx.app.as_user(bob);
    let alice_contact = contact(&as_alice, "Ann").await;
    let alice_tag = seed_tag(&ctx, alice, "Private").await;
    let alice_goal = seed_goal(&ctx, alice, "Secret goal").await;
    let note = create_note(
        &as_alice,
        json!({"contactId": alice_contact, "contentPlain": "Alice's note", "tagIds": [alice_tag],
               "goalIds": [alice_goal]}),
    )
    .await;
    let path = format!("/api/v1/notes/{}", note["id"].as_str().unwrap());

    // Every route on Alice's note is 404 for Bob.
    as_bob
        .get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    as_bob
        .patch_json(&path, &json!({"contentPlain": "Stolen"}))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    as_bob
        .delete(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    as_bob
        .get(&format!("/api/v1/contacts/{alice_contact}/notes"))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let listed = as_bob
        .get(&format!("/api/v1/notes?contactId={alice_contact}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(listed["pagination"]["total"], 0);
    let listed = as_bob
        .get("/api/v1/notes?search=Alice")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(listed["pagination"]["total"], 0);

    // Bob cannot write a note about Alice's contact, nor link Alice's tags and goals.
    let body = as_bob
        .post_json(
            "/api/v1/notes",
            &json!({"contactId": alice_contact, "contentPlain": "x"}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/contactId"]);
    let bob_contact = contact(&as_bob, "Bea").await;
    let bob_goal = seed_goal(&ctx, bob, "Bob goal").await;
    let body = as_bob
        .post_json(
            "/api/v1/notes",
            &json!({"contactId": bob_contact, "contentPlain": "x",
                        "tagIds": [alice_tag], "goalIds": [bob_goal, alice_goal]}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/tagIds/0", "/goalIds/1"]);
    let bob_note = create_note(
        &as_bob,
        json!({"contactId": bob_contact, "contentPlain": "mine"}),
    )
    .await;
    let bob_path = format!("/api/v1/notes/{}", bob_note["id"].as_str().unwrap());
    let body = as_bob
        .patch_json(&bob_path, &json!({"goalIds": [alice_goal]}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/goalIds/0"]);
    let bob_total = as_bob.get("/api/v1/notes").await.ok_json(StatusCode::OK);
    assert_eq!(
        bob_total["pagination"]["total"], 1,
        "the refused create stored nothing"
    );

    // Even bypassing the API, the database refuses a cross-tenant link.
    let bob_note_id = bob_note["id"].as_str().unwrap();
    let refused = ctx
        .db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO note_goals (user_id, note_id, goal_id) \
             VALUES ('{bob}', '{bob_note_id}', '{alice_goal}')"
        ))
        .await;
    assert!(refused.is_err(), "composite foreign key must refuse it");

    // Alice's note is untouched and still linked.
    let mine = as_alice.get(&path).await.ok_json(StatusCode::OK);
    assert_eq!(mine["contentPlain"], "Alice's note");
    assert_eq!(mine["tags"][0]["id"], alice_tag.to_string());
    assert_eq!(mine["goalIds"], json!([alice_goal.to_string()]));
}
