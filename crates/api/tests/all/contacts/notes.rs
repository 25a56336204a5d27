//! `GET /api/v1/contacts/{id}/notes`: a contact's notes, newest first, in pages.

use crate::common::notes::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contacts_notes_come_newest_first_in_pages() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let ann = contact(&as_user, "Ann").await;
    let other = contact(&as_user, "Other").await;
    for i in 0..3 {
        create_note(
            &as_user,
            json!({"contactId": ann, "contentPlain": format!("note {i}")}),
        )
        .await;
    }
    create_note(
        &as_user,
        json!({"contactId": other, "contentPlain": "elsewhere"}),
    )
    .await;
    let path = format!("/api/v1/contacts/{ann}/notes?pageSize=2");
    let page = as_user.get(&path).await.ok_json(StatusCode::OK);
    let texts: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["contentPlain"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["note 2", "note 1"]);
    assert_eq!(page["pagination"]["total"], 3);
    assert_eq!(page["pagination"]["hasNext"], true);
    let second = as_user
        .get(&format!("{path}&page=2"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(second["items"][0]["contentPlain"], "note 0");

    // A contact without notes is an empty list; an unknown one is 404.
    let empty = contact(&as_user, "Quiet").await;
    let none = as_user
        .get(&format!("/api/v1/contacts/{empty}/notes"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(none["items"], json!([]));
    for missing in [Uuid::now_v7().to_string(), "nope".to_owned()] {
        as_user
            .get(&format!("/api/v1/contacts/{missing}/notes"))
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
    }
    let body = as_user
        .get(&format!("/api/v1/contacts/{ann}/notes?pageSize=0"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/pageSize"]);
}
