//! `POST /api/v1/tags/bulk-delete`.

use crate::common::setup;
use crate::common::tags::*;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_reports_each_id_and_deletes_only_own_tags() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_bob = ctx.app.as_user(bob);
    let as_alice = ctx.app.as_user(alice);
    let contact = new_contact(&as_alice, "Ann").await;
    let one = new_tag(&as_alice, "One").await;
    let two = new_tag(&as_alice, "Two").await;
    let keep = new_tag(&as_alice, "Keep").await;
    let system = system_tag(&as_alice, "Lead").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bobs = new_tag(&as_bob, "Bob's").await;
    let ghost = Uuid::now_v7().to_string();
    apply(&as_alice, "contact", &contact, &[&one, &keep])
        .await
        .ok_json(StatusCode::OK);

    let outcome = as_alice
        .post_json(
            "/api/v1/tags/bulk-delete",
            &json!({"ids": [one, system, bobs, two, ghost, one]}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        outcome,
        json!({
            "deleted": 2,
            "errors": [
                {"id": system, "code": "conflict"},
                {"id": bobs, "code": "not_found"},
                {"id": ghost, "code": "not_found"},
            ]
        })
    );
    let names: Vec<String> = all_tags(&as_alice)
        .await
        .iter()
        .filter(|t| t["isSystem"] == false)
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Keep"]);
    assert_eq!(all_tags(&as_alice).await.len() as u64, SYSTEM_TAGS + 1);
    // The deleted tag came off the contact; Bob's tag survived.
    let on_contact = as_alice
        .get(&format!("/api/v1/contacts/{contact}/tags"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(on_contact["items"][0]["id"], keep.as_str());
    assert_eq!(on_contact["pagination"]["total"], 1);
    as_bob
        .get(&format!("/api/v1/tags/{bobs}"))
        .await
        .ok_json(StatusCode::OK);

    // Nothing deletable: 200 with every id reported.
    let nothing = as_alice
        .post_json("/api/v1/tags/bulk-delete", &json!({ "ids": [one] }))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        nothing,
        json!({"deleted": 0, "errors": [{"id": one, "code": "not_found"}]})
    );
}
