//! Another user's tags and tagged entities are out of reach on every tags route.

use crate::common::setup;
use crate::common::tags::*;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_tags_and_entities_are_out_of_reach_on_every_route() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let as_bob = ctx.app.as_user(bob);
    let alices_contact = new_contact(&as_alice, "Ann").await;
    let alices_note = insert_entity(&ctx, alice, "note", &alices_contact).await;
    let alices_tag = new_tag(&as_alice, "Private").await;
    let alices_system = system_tag(&as_alice, "Yoga").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    apply(&as_alice, "contact", &alices_contact, &[&alices_tag])
        .await
        .ok_json(StatusCode::OK);
    let bobs_contact = new_contact(&as_bob, "Bo").await;
    let bobs_tag = new_tag(&as_bob, "Bob's").await;

    // GET, PATCH, DELETE of Alice's tags (her own and her copy of a system tag): 404.
    for tag in [&alices_tag, &alices_system] {
        let path = format!("/api/v1/tags/{tag}");
        for (method, payload) in [
            (Method::GET, None),
            (Method::PATCH, Some(json!({"color": "#000000"}))),
            (Method::DELETE, None),
        ] {
            as_bob
                .send_json(method, &path, payload.as_ref())
                .await
                .problem(StatusCode::NOT_FOUND, "not_found");
        }
    }
    // Bob cannot tag Alice's entities, with his tags or hers.
    for (kind, id) in [("contact", &alices_contact), ("note", &alices_note)] {
        for tag in [&bobs_tag, &alices_tag] {
            apply(&as_bob, kind, id, &[tag])
                .await
                .problem(StatusCode::NOT_FOUND, "not_found");
            remove(&as_bob, kind, id, &[tag])
                .await
                .problem(StatusCode::NOT_FOUND, "not_found");
        }
    }
    // Alice's tags are unknown tags on Bob's own contact.
    let p = apply(&as_bob, "contact", &bobs_contact, &[&bobs_tag, &alices_tag])
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&p), ["/tagIds/1"]);
    let p = remove(&as_bob, "contact", &bobs_contact, &[&alices_system])
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&p), ["/tagIds/0"]);
    // Nor can Bob list the tags of Alice's contact.
    as_bob
        .get(&format!("/api/v1/contacts/{alices_contact}/tags"))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    // Bulk delete reports Alice's ids as not found and deletes nothing.
    let outcome = as_bob
        .post_json(
            "/api/v1/tags/bulk-delete",
            &json!({"ids": [alices_tag, alices_system]}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(outcome["deleted"], 0);
    assert_eq!(outcome["errors"][0]["code"], "not_found");
    assert_eq!(outcome["errors"][1]["code"], "not_found");
    // Bob's list and stats hold only his tags.
    for tag in all_tags(&as_bob).await {
        assert_eq!(tag["userId"], bob.to_string());
        assert_ne!(tag["id"], alices_tag.as_str());
        assert_ne!(tag["id"], alices_system.as_str());
    }
    let stats = as_bob
        .get("/api/v1/tags/stats")
        .await
        .ok_json(StatusCode::OK);
    assert!(
        stats["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["tagId"] != alices_tag.as_str() && i["usageCount"] == 0)
    );

    // Alice's data is untouched.
    let hers = as_alice
        .get(&format!("/api/v1/tags/{alices_tag}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(hers["usageCount"], 1);
    assert_eq!(hers["color"], "#a78bfa");
    let system = as_alice
        .get(&format!("/api/v1/tags/{alices_system}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(system["color"], "#6366F1");
    let on_contact = as_alice
        .get(&format!("/api/v1/contacts/{alices_contact}/tags"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(on_contact["pagination"]["total"], 1);
}
