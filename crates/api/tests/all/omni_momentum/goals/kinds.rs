//! A client goal names one of the caller's contacts and a practitioner goal names none;
//! `GET /contacts/{id}/goals` lists a client's goals.

use super::crud::GOALS;
use crate::common::setup;
use crate::common::tags::new_contact;
use omnicrm_testkit::{TestApp, pointers};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goal_kind_and_contact_must_agree() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let ana = new_contact(&alice, "Ana").await;
    for body in [
        json!({"name": "Sleep", "goalType": "client_wellness"}),
        json!({"name": "Sleep", "goalType": "client_wellness", "contactId": null}),
        json!({"name": "Grow", "goalType": "practitioner_business", "contactId": ana}),
        json!({"name": "Rest", "goalType": "practitioner_personal", "contactId": ana}),
    ] {
        let p = alice
            .post_json(GOALS, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), ["/contactId"], "{body}");
    }
    let client = alice
        .post_json(
            GOALS,
            &json!({"name": "Sleep", "goalType": "client_wellness", "contactId": ana}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let own = alice
        .post_json(
            GOALS,
            &json!({"name": "Grow", "goalType": "practitioner_business"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let client_path = format!("{GOALS}/{}", client["id"].as_str().unwrap());
    let own_path = format!("{GOALS}/{}", own["id"].as_str().unwrap());
    for (path, body) in [
        (&client_path, json!({"contactId": null})),
        (&client_path, json!({"goalType": "practitioner_personal"})),
        (&own_path, json!({"contactId": ana})),
        (&own_path, json!({"goalType": "client_wellness"})),
    ] {
        let p = alice
            .patch_json(path, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&p), ["/contactId"], "{body}");
    }
    // Changing both together is fine.
    let now_own = alice
        .patch_json(
            &client_path,
            &json!({"goalType": "practitioner_personal", "contactId": null}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(now_own["contactId"], json!(null));
    let now_client = alice
        .patch_json(
            &own_path,
            &json!({"goalType": "client_wellness", "contactId": ana}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(now_client["contactId"], ana.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contacts_goals_are_listed_under_the_contact() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let ana = new_contact(&alice, "Ana").await;
    let ben = new_contact(&alice, "Ben").await;
    for (name, contact) in [("Sleep", &ana), ("Walk", &ana), ("Eat", &ben)] {
        alice
            .post_json(
                GOALS,
                &json!({"name": name, "goalType": "client_wellness", "contactId": contact}),
            )
            .await
            .ok_json(StatusCode::CREATED);
    }
    alice
        .post_json(
            GOALS,
            &json!({"name": "Mine", "goalType": "practitioner_personal"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let url = format!("/api/v1/contacts/{ana}/goals");
    let page = alice.get(&url).await.ok_json(StatusCode::OK);
    assert_eq!(page["pagination"]["total"], 2);
    assert_eq!(page["items"][0]["name"], "Walk");
    assert_eq!(page["items"][1]["name"], "Sleep");
    let small = alice
        .get(&format!("{url}?pageSize=1&page=2"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(small["items"][0]["name"], "Sleep");
    alice
        .get(&format!("{url}?pageSize=0"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    bob.get(&url)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    alice
        .get(&format!("/api/v1/contacts/{}/goals", uuid::Uuid::new_v4()))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
