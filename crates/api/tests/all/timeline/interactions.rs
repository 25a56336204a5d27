//! `GET /interactions`, `GET`/`PATCH /interactions/{id}`: filters, cursor pages, the
//! hand-made link that normalisation keeps, ETags, and only the owner's.

use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::timeline::{
    ME, calendar_event, connect_google, gmail_message, leaf, normalise, open_run, store_raw,
};
use crate::common::{create_contact, setup};

fn source_ids(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sourceId"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn interactions_list_filters_pages_and_a_manual_link_survives_a_resync() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    connect_google(&ctx, user).await;
    let ada = create_contact(
        &alice,
        json!({ "displayName": "Ada", "primaryEmail": "ada@example.org" }),
    )
    .await;
    let kim = create_contact(&alice, json!({ "displayName": "Kim" })).await;
    let mail = |id: &str, subject: &str| {
        gmail_message(
            id,
            &["INBOX"],
            &[
                ("From", "ada@example.org"),
                ("To", ME),
                ("Subject", subject),
            ],
            leaf("", "text/plain; charset=UTF-8", &[], b"about the invoice"),
        )
    };
    let run = open_run(&ctx, user, "gmail").await;
    store_raw(&ctx, user, "gmail", "m1", run, &mail("m1", "Booking")).await;
    store_raw(&ctx, user, "gmail", "m2", run, &mail("m2", "Receipt")).await;
    let cal = open_run(&ctx, user, "calendar").await;
    store_raw(
        &ctx,
        user,
        "calendar",
        "e1",
        cal,
        &calendar_event("e1", json!({})),
    )
    .await;
    normalise(&ctx, user, run).await;
    normalise(&ctx, user, cal).await;

    let all = alice
        .get("/api/v1/interactions?limit=2")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let cursor = all["nextCursor"].as_str().unwrap();
    let rest = alice
        .get(&format!("/api/v1/interactions?limit=2&cursor={cursor}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["nextCursor"], Value::Null);

    let meetings = alice
        .get("/api/v1/interactions?kind=meeting")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(source_ids(&meetings), ["e1"]);
    let gmail = alice
        .get("/api/v1/interactions?provider=gmail&search=RECEI")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(source_ids(&gmail), ["m2"]);
    // LIKE wildcards in a search are literal characters, not "match anything".
    for wildcard in ["%25", "_", "%25_%25"] {
        let literal = alice
            .get(&format!("/api/v1/interactions?search={wildcard}"))
            .await
            .ok_json(StatusCode::OK);
        assert!(source_ids(&literal).is_empty(), "{wildcard}");
    }
    let ada_id = ada["id"].as_str().unwrap();
    let of_ada = alice
        .get(&format!("/api/v1/interactions?contactId={ada_id}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(source_ids(&of_ada).len(), 2);
    let none = alice
        .get("/api/v1/interactions?from=2030-01-01T00:00:00Z")
        .await
        .ok_json(StatusCode::OK);
    assert!(source_ids(&none).is_empty());
    alice
        .get("/api/v1/interactions?kind=fax")
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");

    // Move m1 to Kim by hand, with the ETag.
    let m1 = of_ada["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sourceId"] == "m1")
        .unwrap();
    let url = format!("/api/v1/interactions/{}", m1["id"].as_str().unwrap());
    let res = alice.get(&url).await;
    let etag = res.header("etag").unwrap().to_owned();
    assert_eq!(res.ok_json(StatusCode::OK)["contactLinkedBy"], "auto");
    alice
        .clone()
        .header("if-match", "\"stale\"")
        .patch_json(&url, &json!({ "contactId": kim["id"] }))
        .await
        .problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
    let moved = alice
        .clone()
        .header("if-match", &etag)
        .patch_json(&url, &json!({ "contactId": kim["id"] }))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(moved["contactId"], kim["id"]);
    assert_eq!(moved["contactLinkedBy"], "manual");
    alice
        .patch_json(&url, &json!({ "contactId": uuid::Uuid::now_v7() }))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");

    // The message changes and is normalised again: the hand-made link stays.
    let again = open_run(&ctx, user, "gmail").await;
    store_raw(
        &ctx,
        user,
        "gmail",
        "m1",
        again,
        &mail("m1", "Booking (updated)"),
    )
    .await;
    normalise(&ctx, user, again).await;
    let after = alice.get(&url).await.ok_json(StatusCode::OK);
    assert_eq!(after["subject"], "Booking (updated)");
    assert_eq!(after["contactId"], kim["id"]);

    // Bob sees none of it.
    let bob = ctx.app.as_user(TestApp::new_user());
    bob.get(&url)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    bob.patch_json(&url, &json!({ "contactId": null }))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let bobs = bob
        .get("/api/v1/interactions")
        .await
        .ok_json(StatusCode::OK);
    assert!(source_ids(&bobs).is_empty());
}
