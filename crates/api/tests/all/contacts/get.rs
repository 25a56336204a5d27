//! `GET /api/v1/contacts/{id}`: the detail view.

use crate::common::contacts::*;
use crate::common::create_contact;
use crate::common::named_contact;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detail_view_has_notes_tags_identities_and_current_consents() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact = create_contact(
        &as_user,
        json!({"displayName": "Maya", "primaryEmail": "maya@x.com"}),
    )
    .await;
    let id = id_of(&contact);
    let mut note_ids = Vec::new();
    for minutes_ago in [70, 60, 50, 40, 30, 20] {
        note_ids.push(add_note(&ctx, user, &id, &format!("note {minutes_ago}"), minutes_ago).await);
    }
    let zen = add_tag(&ctx, user, "Zen", "#000000", "emotional_mental").await;
    let acu = add_tag(&ctx, user, "Acupuncture", "#ff0000", "services_modalities").await;
    tag_contact(&ctx, user, &id, zen).await;
    tag_contact(&ctx, user, &id, acu).await;
    let identity = as_user
        .post_json(
            "/api/v1/data-intelligence/contact-identities",
            &json!({"contactId": id, "kind": "phone", "value": "(202) 555-0143"}),
        )
        .await;
    assert_eq!(identity.status(), StatusCode::CREATED);
    sql(
        &ctx,
        &format!(
            "INSERT INTO client_consents (user_id, id, contact_id, consent_type, consent_text_version, granted, granted_at) VALUES
             ('{user}', '{}', '{id}', 'marketing', 'v1', true, now() - interval '2 days'),
             ('{user}', '{}', '{id}', 'marketing', 'v2', false, now() - interval '1 day'),
             ('{user}', '{}', '{id}', 'hipaa', 'h1', true, now() - interval '3 days')",
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7()
        ),
    )
    .await;

    let detail = as_user
        .get(&format!("/api/v1/contacts/{id}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(detail["displayName"], "Maya");
    assert_eq!(detail["primaryEmail"], "maya@x.com");
    let notes: Vec<&str> = detail["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["contentPlain"].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        ["note 20", "note 30", "note 40", "note 50", "note 60"]
    );
    assert_eq!(detail["notes"][0]["id"], note_ids[5].to_string());
    assert!(detail["notes"][0]["createdAt"].is_string());
    assert_eq!(
        detail["tags"],
        json!([
            {"id": acu, "name": "Acupuncture", "color": "#ff0000", "category": "services_modalities"},
            {"id": zen, "name": "Zen", "color": "#000000", "category": "emotional_mental"},
        ])
    );
    assert_eq!(detail["identities"].as_array().unwrap().len(), 1);
    assert_eq!(detail["identities"][0]["value"], "+12025550143");
    assert_eq!(detail["identities"][0]["kind"], "phone");
    let consents = detail["consents"].as_array().unwrap();
    assert_eq!(consents.len(), 2);
    assert_eq!(consents[0]["consentType"], "hipaa");
    assert_eq!(consents[0]["granted"], true);
    assert_eq!(consents[0]["version"], "h1");
    // The newest marketing decision (withdrawn) is the state.
    assert_eq!(consents[1]["consentType"], "marketing");
    assert_eq!(consents[1]["granted"], false);
    assert_eq!(consents[1]["version"], "v2");

    // A contact without anything has empty collections.
    let bare = named_contact(&as_user, "Bare").await;
    let detail = as_user
        .get(&format!("/api/v1/contacts/{}", id_of(&bare)))
        .await
        .ok_json(StatusCode::OK);
    for key in ["notes", "tags", "identities", "consents"] {
        assert_eq!(detail[key], json!([]), "{key}");
    }
}
