//! `POST /contacts/{id}/merge`: every child of the duplicate moves to the survivor in one
//! transaction, the survivor's empty fields are filled (set ones only where preferred),
//! the merge is in the survivor's history; tenancy, self-merge and concurrent deletes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::create_contact;
use crate::common::named_contact;
use omnicrm_testkit::Requester;
use omnicrm_testkit::pointers;
use std::collections::BTreeSet;

use crate::common::{Ctx, setup};
use omnicrm_testkit::{TestApp, TestResponse};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn owner_i64(ctx: &Ctx, sql: &str) -> i64 {
    let client = ctx.db.owner().await.unwrap();
    client.query_one(sql, &[]).await.unwrap().get::<_, i64>(0)
}

async fn owner_exec(ctx: &Ctx, sql: &str) {
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(sql)
        .await
        .unwrap();
}

async fn post_ok(as_user: &Requester<'_>, path: &str, body: Value) -> Value {
    let res = as_user.post_json(path, &body).await;
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(width, height, image::Rgba([20, 120, 30, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn upload(as_user: &Requester<'_>, path: &str, bytes: Vec<u8>) -> Value {
    let boundary = "merge-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    as_user
        .send_bytes(
            Method::POST,
            path,
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await
        .ok_json(StatusCode::CREATED)
}

async fn merge(as_user: &Requester<'_>, survivor: &str, body: Value) -> TestResponse {
    as_user
        .post_json(&format!("/api/v1/contacts/{survivor}/merge"), &body)
        .await
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merging_moves_every_child_fills_empty_fields_and_deletes_the_duplicate() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let survivor = create_contact(
        &as_user,
        json!({"displayName": "Ann", "primaryEmail": "ann@example.com", "lifecycleStage": "Lead"}),
    )
    .await;
    let duplicate = create_contact(
        &as_user,
        json!({"displayName": "Ann Client", "primaryEmail": "ann.client@example.com",
                   "primaryPhone": "+1 202 555 0143", "dateOfBirth": "1990-02-03",
                   "lifecycleStage": "New Client", "address": {"city": "Springfield"}}),
    )
    .await;
    let (s, d) = (id(&survivor), id(&duplicate));
    // Children of the duplicate: note, photo, document, consent, identity, tags (one the
    // survivor has too), an interaction, a goal, history, an AI insight, a mark.
    post_ok(
        &as_user,
        "/api/v1/notes",
        json!({"contactId": d, "contentPlain": "first session"}),
    )
    .await;
    let photo = upload(
        &as_user,
        &format!("/api/v1/contacts/{d}/photo"),
        png(40, 40),
    )
    .await;
    upload(&as_user, &format!("/api/v1/contacts/{d}/files"), png(8, 8)).await;
    for (contact, kind) in [(&s, "data_processing"), (&d, "hipaa")] {
        post_ok(
            &as_user,
            &format!("/api/v1/contacts/{contact}/consents"),
            json!({"consentType": kind, "consentTextVersion": "v1", "granted": true}),
        )
        .await;
    }
    post_ok(
        &as_user,
        "/api/v1/data-intelligence/contact-identities",
        json!({"contactId": d, "kind": "email", "value": "ann.work@example.com"}),
    )
    .await;
    let shared_tag = post_ok(&as_user, "/api/v1/tags", json!({"name": "Merge Alpha"})).await;
    let own_tag = post_ok(&as_user, "/api/v1/tags", json!({"name": "Merge Beta"})).await;
    post_ok(
        &as_user,
        "/api/v1/tags/apply",
        json!({"entityType": "contact", "entityId": s, "tagIds": [id(&shared_tag)]}),
    )
    .await;
    post_ok(
        &as_user,
        "/api/v1/tags/apply",
        json!({"entityType": "contact", "entityId": d, "tagIds": [id(&shared_tag), id(&own_tag)]}),
    )
    .await;
    let third = create_contact(&as_user, json!({"displayName": "Third"})).await;
    owner_exec(
        &ctx,
        &format!(
            "INSERT INTO interactions (user_id, id, contact_id, type, occurred_at, source, source_id) \
             VALUES ('{user}', gen_random_uuid(), '{d}', 'call', now(), 'manual', 'call-1');
             INSERT INTO goals (user_id, id, contact_id, goal_type, name) \
             VALUES ('{user}', gen_random_uuid(), '{d}', 'client_wellness', 'Sleep better');
             INSERT INTO contact_history (user_id, id, contact_id, kind, detail) \
             VALUES ('{user}', gen_random_uuid(), '{d}', 'onboarding_submission', '{{}}');
             INSERT INTO ai_insights (user_id, id, subject_type, subject_id, kind, content) \
             VALUES ('{user}', gen_random_uuid(), 'contact', '{d}', 'summary', '{{}}');
             INSERT INTO contact_duplicates (user_id, contact_id, existing_id, matched) \
             VALUES ('{user}', '{d}', '{s}', 'email'), ('{user}', '{d}', '{}', 'phone');",
            id(&third)
        ),
    )
    .await;

    let res = merge(&as_user, &s, json!({"duplicateId": d})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let merged: Value = res.json();
    assert_eq!(merged["id"], s.as_str());
    assert_eq!(merged["displayName"], "Ann", "set fields are kept");
    assert_eq!(merged["lifecycleStage"], "Lead");
    assert_eq!(
        merged["primaryPhone"], "+1 202 555 0143",
        "empty fields are filled"
    );
    assert_eq!(merged["dateOfBirth"], "1990-02-03");
    assert_eq!(merged["address"]["city"], "Springfield");
    assert!(merged["photoUrl"].is_string(), "the duplicate's photo");

    // The duplicate is gone; everything it had is the survivor's.
    let res = as_user.get(&format!("/api/v1/contacts/{d}")).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    let detail = as_user
        .get(&format!("/api/v1/contacts/{s}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(detail["notes"][0]["contentPlain"], "first session");
    let tags: BTreeSet<&str> = detail["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, BTreeSet::from(["Merge Alpha", "Merge Beta"]));
    let consents: BTreeSet<&str> = detail["consents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["consentType"].as_str().unwrap())
        .collect();
    assert_eq!(consents, BTreeSet::from(["data_processing", "hipaa"]));
    assert_eq!(detail["identities"][0]["value"], "ann.work@example.com");
    assert_eq!(detail["history"][0]["kind"], "merge");
    assert_eq!(
        detail["history"][0]["detail"]["mergedContactId"],
        d.as_str()
    );
    assert_eq!(detail["history"][1]["kind"], "onboarding_submission");
    // The mark between the two is gone; the one with a third contact carried over.
    assert_eq!(detail["possibleDuplicates"].as_array().unwrap().len(), 1);
    assert_eq!(
        detail["possibleDuplicates"][0]["contactId"],
        id(&third).as_str()
    );
    let files = as_user
        .get(&format!("/api/v1/contacts/{s}/files"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(files["items"].as_array().unwrap().len(), 2);
    let photo_path = photo["filePath"].as_str().unwrap();
    assert!(ctx.app.files_dir.path().join(photo_path).exists());
    for (table, column) in [
        ("interactions", "contact_id"),
        ("goals", "contact_id"),
        ("ai_insights", "subject_id"),
    ] {
        let n = owner_i64(
            &ctx,
            &format!("SELECT count(*) FROM {table} WHERE {column} = '{s}'"),
        )
        .await;
        assert_eq!(n, 1, "{table}");
    }
    // Tag usage counts stay exact (the shared tag is on one contact now).
    assert_eq!(
        owner_i64(
            &ctx,
            &format!(
                "SELECT usage_count::bigint FROM tags WHERE id = '{}'",
                id(&shared_tag)
            )
        )
        .await,
        1
    );
    assert_eq!(
        as_user
            .get("/api/v1/contacts/count")
            .await
            .ok_json(StatusCode::OK)["count"],
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferred_fields_take_the_duplicates_values() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let s = id(&create_contact(&as_user, json!({"displayName": "Ann", "primaryEmail": "old@example.com", "clientStatus": "active", "referralSource": "Web"})).await);
    let d = id(&create_contact(&as_user, json!({"displayName": "Ann Client", "primaryEmail": "new@example.com", "clientStatus": "at_risk"})).await);
    let res = merge(
        &as_user,
        &s,
        json!({"duplicateId": d, "prefer": {"displayName": "duplicate", "clientStatus": "duplicate",
               "referralSource": "duplicate", "primaryEmail": "survivor"}}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let merged: Value = res.json();
    assert_eq!(merged["displayName"], "Ann Client");
    assert_eq!(merged["clientStatus"], "at_risk");
    assert_eq!(merged["primaryEmail"], "old@example.com");
    assert_eq!(
        merged["referralSource"], "Web",
        "the duplicate has none: nothing to prefer"
    );
    let history = as_user
        .get(&format!("/api/v1/contacts/{s}"))
        .await
        .ok_json(StatusCode::OK)["history"]
        .clone();
    assert_eq!(
        history[0]["detail"]["fieldsTaken"],
        json!(["displayName", "clientStatus"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_refuses_itself_other_tenants_unknown_ids_and_bad_bodies() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let as_alice = ctx.app.as_user(alice);
    let bob = TestApp::new_user();
    let as_bob = ctx.app.as_user(bob);
    let a1 = id(&named_contact(&as_alice, "A one").await);
    let a2 = id(&named_contact(&as_alice, "A two").await);
    let b1 = id(&named_contact(&as_bob, "B one").await);

    let res = merge(&as_alice, &a1, json!({"duplicateId": a1})).await;
    let body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/duplicateId"]);
    // Another tenant's contact, as duplicate or as survivor, is not found; nothing moves.
    let res = merge(&as_alice, &a1, json!({"duplicateId": b1})).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    let res = merge(&as_alice, &b1, json!({"duplicateId": a1})).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    let res = merge(&as_bob, &a1, json!({"duplicateId": a2})).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    let unknown = uuid::Uuid::now_v7();
    let res = merge(&as_alice, &a1, json!({"duplicateId": unknown})).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    let res = merge(&as_alice, "not-a-uuid", json!({"duplicateId": a2})).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    for bad in [
        json!({}),
        json!({"duplicateId": "nope"}),
        json!({"duplicateId": a2, "prefer": {"userId": "duplicate"}}),
        json!({"duplicateId": a2, "prefer": {"displayName": "both"}}),
        json!({"duplicateId": a2, "extra": 1}),
    ] {
        let res = merge(&as_alice, &a1, bad.clone()).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(
        owner_i64(&ctx, "SELECT count(*) FROM contacts").await,
        3,
        "nothing was merged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_merge_racing_a_delete_of_either_contact_fails_cleanly() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    for round in 0..6 {
        let s = id(&named_contact(&ctx.app.as_user(user), &format!("S{round}")).await);
        let d = id(&named_contact(&ctx.app.as_user(user), &format!("D{round}")).await);
        post_ok(
            &ctx.app.as_user(user),
            "/api/v1/notes",
            json!({"contactId": d, "contentPlain": "note"}),
        )
        .await;
        let target = if round % 2 == 0 { &s } else { &d };
        let delete_path = format!("/api/v1/contacts/{target}");
        let as_user = ctx.app.as_user(user);
        let merge_call = merge(&as_user, &s, json!({"duplicateId": d}));
        let delete_call = as_user.delete(&delete_path);
        let (merged, deleted) = tokio::join!(merge_call, delete_call);
        let (merged, deleted) = (merged.status(), deleted.status());
        assert!(
            merged == StatusCode::OK || merged == StatusCode::NOT_FOUND,
            "merge: {merged}"
        );
        assert!(
            deleted == StatusCode::NO_CONTENT || deleted == StatusCode::NOT_FOUND,
            "delete: {deleted}"
        );
        // Never a half merge: the note is on exactly one surviving contact, or deleted
        // with the contact it was on.
        let notes = owner_i64(
            &ctx,
            &format!("SELECT count(*) FROM notes WHERE contact_id IN ('{s}', '{d}')"),
        )
        .await;
        assert!(notes <= 1);
    }
}

#[tokio::test]
async fn the_merge_moves_every_table_that_references_contacts() {
    let ctx = setup().await;
    let client = ctx.db.owner().await.unwrap();
    let rows = client
        .query(
            "SELECT c.conrelid::regclass::text, a.attname::text
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
             WHERE c.contype = 'f' AND c.confrelid = 'contacts'::regclass AND a.attname <> 'user_id'",
            &[],
        )
        .await
        .unwrap();
    let catalog: BTreeSet<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let handled: BTreeSet<(String, String)> = omnicrm_repo::contacts::CONTACT_REFERENCES
        .iter()
        .map(|(t, c)| ((*t).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(
        catalog, handled,
        "a table references contacts that the merge does not move (crates/repo/src/contacts/merge.rs)"
    );
}
