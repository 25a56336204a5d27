//! `POST /api/v1/tags/apply` and `/tags/remove`, and `GET /api/v1/contacts/{id}/tags`.

use crate::common::setup;
use crate::common::tags::*;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_apply_to_and_come_off_every_entity_type() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact = new_contact(&as_user, "Ann").await;
    let entities = [
        ("contact", contact.clone()),
        ("task", insert_entity(&ctx, user, "task", &contact).await),
        ("note", insert_entity(&ctx, user, "note", &contact).await),
        ("goal", insert_entity(&ctx, user, "goal", &contact).await),
    ];
    let a = new_tag(&as_user, "A").await;
    let b = new_tag(&as_user, "B").await;
    let yoga = system_tag(&as_user, "Yoga").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for (kind, id) in &entities {
        let applied = apply(&as_user, kind, id, &[&b, &a, &b])
            .await
            .ok_json(StatusCode::OK);
        assert_eq!(applied["applied"], 2, "{kind}");
        assert_eq!(ids(&applied["tagIds"]), [b.clone(), a.clone()], "{kind}");
        // Again, with one more: only the new one is applied.
        let again = apply(&as_user, kind, id, &[&a, &yoga, &b])
            .await
            .ok_json(StatusCode::OK);
        assert_eq!(again["applied"], 1, "{kind}");
        assert_eq!(ids(&again["tagIds"]), [yoga.as_str()], "{kind}");
    }
    for tag in [&a, &b, &yoga] {
        assert_eq!(usage(&ctx, tag).await, (4, 4));
        assert_eq!(
            as_user
                .get(&format!("/api/v1/tags/{tag}"))
                .await
                .ok_json(StatusCode::OK)["usageCount"],
            4
        );
    }

    let contact_tags = as_user
        .get(&format!("/api/v1/contacts/{contact}/tags"))
        .await
        .ok_json(StatusCode::OK);
    let names: Vec<&str> = contact_tags["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A", "B", "Yoga"]);
    assert_eq!(contact_tags["pagination"]["total"], 3);
    let second = as_user
        .get(&format!(
            "/api/v1/contacts/{contact}/tags?page=2&pageSize=2"
        ))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(second["items"][0]["name"], "Yoga");
    assert_eq!(second["pagination"]["hasPrev"], true);

    for (kind, id) in &entities {
        let removed = remove(&as_user, kind, id, &[&yoga, &a])
            .await
            .ok_json(StatusCode::OK);
        assert_eq!(removed["removed"], 2, "{kind}");
        assert_eq!(ids(&removed["tagIds"]), [yoga.clone(), a.clone()]);
        let nothing = remove(&as_user, kind, id, &[&a])
            .await
            .ok_json(StatusCode::OK);
        assert_eq!(nothing, json!({"removed": 0, "tagIds": []}));
    }
    assert_eq!(usage(&ctx, &a).await, (0, 0));
    assert_eq!(usage(&ctx, &yoga).await, (0, 0));
    assert_eq!(usage(&ctx, &b).await, (4, 4));
    let left = as_user
        .get(&format!("/api/v1/contacts/{contact}/tags"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(left["items"].as_array().unwrap().len(), 1);
    assert_eq!(left["items"][0]["id"], b.as_str());

    // Deleting a tag takes it off everything.
    let res = as_user.delete(&format!("/api/v1/tags/{b}")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let none = as_user
        .get(&format!("/api/v1/contacts/{contact}/tags"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(none["pagination"]["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_entities_are_404_and_unknown_tags_are_400_with_pointers() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact = new_contact(&as_user, "Ann").await;
    let tag = new_tag(&as_user, "Known").await;
    let ghost = Uuid::now_v7().to_string();

    for kind in ["contact", "task", "note", "goal"] {
        for res in [
            apply(&as_user, kind, &ghost, &[&tag]).await,
            remove(&as_user, kind, &ghost, &[&tag]).await,
        ] {
            res.problem(StatusCode::NOT_FOUND, "not_found");
        }
    }
    // The contact's id is not a task's id.
    apply(&as_user, "task", &contact, &[&tag])
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");

    // Unknown tags: every bad entry is named, and nothing is applied (one transaction).
    let other = Uuid::now_v7().to_string();
    let p = apply(&as_user, "contact", &contact, &[&tag, &ghost, &tag, &other])
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&p), ["/tagIds/1", "/tagIds/3"]);
    assert_eq!(p["errors"][0]["code"], "not_found");
    assert_eq!(usage(&ctx, &tag).await, (0, 0));
    let p = remove(&as_user, "contact", &contact, &[&ghost])
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&p), ["/tagIds/0"]);
    as_user
        .get(&format!("/api/v1/contacts/{ghost}/tags"))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
