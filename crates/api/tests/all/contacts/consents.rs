//! Consents of a practitioner's clients: record (with the request's address and user
//! agent), read, list newest first, withdraw (history kept), status per type; tenant
//! isolation on every route.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::named_contact;
use crate::common::{Ctx, setup};
use omnicrm_api::TrustedProxies;
use omnicrm_testkit::Requester;
use omnicrm_testkit::{TestApp, TestAppOptions, TestDb};
use omnicrm_testkit::{TestResponse, pointers};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn consents_of(contact: &Value) -> String {
    format!(
        "/api/v1/contacts/{}/consents",
        contact["id"].as_str().unwrap()
    )
}

async fn record(as_user: &Requester<'_>, contact: &Value, body: Value) -> Value {
    let res = as_user.post_json(&consents_of(contact), &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.header("location").unwrap_or_default().to_owned();
    let consent: Value = res.json();
    assert_eq!(
        location,
        format!(
            "{}/{}",
            consents_of(contact),
            consent["id"].as_str().unwrap()
        )
    );
    consent
}

async fn status(as_user: &Requester<'_>, contact: &Value, kind: &str) -> Value {
    let res = as_user
        .get(&format!("{}/status?type={kind}", consents_of(contact)))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_read_withdraw_and_status() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = named_contact(&ctx.app.as_user(user), "Ann").await;

    let none = status(&ctx.app.as_user(user), &contact, "hipaa").await;
    assert_eq!(
        none,
        json!({"contactId": contact["id"], "consentType": "hipaa", "granted": false, "grantedAt": null, "version": null})
    );

    let res = ctx
        .app
        .as_user(user)
        .header("user-agent", "ConsentTest/2.0")
        .header("x-forwarded-for", "198.51.100.7")
        .post_json(
            &consents_of(&contact),
            &json!({
                "consentType": "hipaa", "consentTextVersion": "v2", "granted": true,
                "signatureSvg": "<svg/>", "signatureImageUrl": "https://example.com/sig.png",
            }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let granted: Value = res.json();
    assert_eq!(granted["granted"], true);
    assert_eq!(granted["contactId"], contact["id"]);
    assert_eq!(granted["userAgent"], "ConsentTest/2.0");
    // No trusted proxy: the forwarded address is ignored, the socket peer is recorded.
    assert_eq!(granted["ipAddress"], "127.0.0.1");
    assert_eq!(granted["signatureImageUrl"], "https://example.com/sig.png");
    let marketing = record(
        &ctx.app.as_user(user),
        &contact,
        json!({"consentType": "marketing", "consentTextVersion": "m1", "granted": false}),
    )
    .await;

    let one: Value = ctx
        .app
        .as_user(user)
        .get(&format!(
            "{}/{}",
            consents_of(&contact),
            granted["id"].as_str().unwrap()
        ))
        .await
        .json();
    assert_eq!(one, granted);

    let hipaa = status(&ctx.app.as_user(user), &contact, "hipaa").await;
    assert_eq!(hipaa["granted"], true);
    assert_eq!(hipaa["version"], "v2");
    assert_eq!(hipaa["grantedAt"], granted["grantedAt"]);
    assert_eq!(
        status(&ctx.app.as_user(user), &contact, "marketing").await["granted"],
        false
    );

    // Withdrawal appends a row; the grant stays in the history.
    let revoke_path = format!(
        "{}/{}/revoke",
        consents_of(&contact),
        granted["id"].as_str().unwrap()
    );
    // An action body is empty or `{}`: anything else is read and refused, withdrawing nothing.
    for (content_type, body) in [
        ("application/json", "{"),
        ("application/json", r#"{"reason": "moved away"}"#),
        ("application/json", "[]"),
        ("text/plain", "please"),
    ] {
        let res = ctx
            .app
            .as_user(user)
            .send_bytes(Method::POST, &revoke_path, content_type, body)
            .await;
        res.problem(StatusCode::BAD_REQUEST, "malformed_request");
    }
    assert_eq!(
        status(&ctx.app.as_user(user), &contact, "hipaa").await["granted"],
        true
    );
    let res = ctx.app.as_user(user).post(&revoke_path).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let withdrawn: Value = res.json();
    assert_eq!(withdrawn["granted"], false);
    assert_eq!(withdrawn["consentType"], "hipaa");
    assert_eq!(withdrawn["consentTextVersion"], "v2");
    assert_ne!(withdrawn["id"], granted["id"]);
    let hipaa = status(&ctx.app.as_user(user), &contact, "hipaa").await;
    assert_eq!(hipaa["granted"], false);
    assert_eq!(hipaa["version"], "v2");
    assert_eq!(hipaa["grantedAt"], withdrawn["grantedAt"]);
    // Already withdrawn: nothing to withdraw.
    let res = ctx
        .app
        .as_user(user)
        .post_json(&revoke_path, &json!({}))
        .await;
    res.problem(StatusCode::CONFLICT, "conflict");
    let res = ctx
        .app
        .as_user(user)
        .post(&format!(
            "{}/{}/revoke",
            consents_of(&contact),
            marketing["id"].as_str().unwrap()
        ))
        .await;
    res.problem(StatusCode::CONFLICT, "conflict");

    let list: Value = ctx
        .app
        .as_user(user)
        .get(&consents_of(&contact))
        .await
        .json();
    assert_eq!(list["pagination"]["total"], 3);
    let ids: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(
        ids,
        [&withdrawn["id"], &marketing["id"], &granted["id"]],
        "newest first"
    );
    let page: Value = ctx
        .app
        .as_user(user)
        .get(&format!("{}?page=2&pageSize=2", consents_of(&contact)))
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], granted["id"]);
    assert_eq!(page["pagination"]["hasPrev"], true);

    // Deleting the contact deletes its consents.
    let res = ctx
        .app
        .as_user(user)
        .delete(&format!(
            "/api/v1/contacts/{}",
            contact["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = ctx.app.as_user(user).get(&consents_of(&contact)).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_and_queries_are_validated() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact = named_contact(&as_user, "Ann").await;
    let path = consents_of(&contact);
    let cases = [
        (
            json!({"consentType": "everything", "consentTextVersion": "v1", "granted": true}),
            "/consentType",
        ),
        (
            json!({"consentType": "hipaa", "granted": true}),
            "/consentTextVersion",
        ),
        (
            json!({"consentType": "hipaa", "consentTextVersion": "v1"}),
            "/granted",
        ),
        (
            json!({"consentType": "hipaa", "consentTextVersion": " ", "granted": true}),
            "/consentTextVersion",
        ),
        (
            json!({"consentType": "hipaa", "consentTextVersion": "v1", "granted": "yes"}),
            "/granted",
        ),
        (
            json!({"consentType": "hipaa", "consentTextVersion": "v1", "granted": true, "signatureImageUrl": "nope"}),
            "/signatureImageUrl",
        ),
    ];
    for (body, pointer) in cases {
        let res = as_user.post_json(&path, &body.clone()).await;
        let problem = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&problem), [pointer], "{body}");
    }
    let res = as_user.post_json(&path, &json!({"consentType": "hipaa", "consentTextVersion": "v1", "granted": true, "ipAddress": "1.2.3.4"}))
        .await;
    res.problem(StatusCode::BAD_REQUEST, "malformed_request");
    for query in [
        "status",
        "status?type=everything",
        "status?type=hipaa&extra=1",
    ] {
        let res = as_user.get(&format!("{path}/{query}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{query}");
    }
    let res = as_user.get(&format!("{path}?pageSize=201")).await;
    res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    let res = as_user.get(&format!("{path}/not-a-uuid")).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        as_user.get(&path).await.json::<Value>()["pagination"]["total"],
        0,
        "nothing was recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_practitioners_contacts_and_consents_are_404_everywhere() {
    let ctx = setup().await;
    let owner = TestApp::new_user();
    let as_owner = ctx.app.as_user(owner);
    let intruder = TestApp::new_user();
    let as_intruder = ctx.app.as_user(intruder);
    let contact = named_contact(&as_owner, "Ann").await;
    let consent = record(
        &as_owner,
        &contact,
        json!({"consentType": "data_processing", "consentTextVersion": "v1", "granted": true}),
    )
    .await;
    let own_contact = named_contact(&as_intruder, "Bob").await;
    let path = consents_of(&contact);
    let consent_id = consent["id"].as_str().unwrap();
    let valid = json!({"consentType": "marketing", "consentTextVersion": "v1", "granted": true});
    for (method, route, body) in [
        (Method::POST, path.clone(), Some(valid.clone())),
        (Method::GET, path.clone(), None),
        (
            Method::GET,
            format!("{path}/status?type=data_processing"),
            None,
        ),
        (Method::GET, format!("{path}/{consent_id}"), None),
        (Method::POST, format!("{path}/{consent_id}/revoke"), None),
        // The intruder's own contact with the owner's consent id.
        (
            Method::GET,
            format!("{}/{consent_id}", consents_of(&own_contact)),
            None,
        ),
        (
            Method::POST,
            format!("{}/{consent_id}/revoke", consents_of(&own_contact)),
            None,
        ),
    ] {
        let res = as_intruder
            .send_json(method.clone(), &route, body.as_ref())
            .await;
        res.problem(StatusCode::NOT_FOUND, "not_found");
    }
    // Nothing changed for the owner.
    let list: Value = as_owner.get(&path).await.json();
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(
        status(&as_owner, &contact, "data_processing").await["granted"],
        true
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_proxy_supplies_the_recorded_address() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            trusted_proxies: TrustedProxies::parse("127.0.0.0/8").unwrap(),
            ..TestAppOptions::default()
        },
    )
    .await;
    let ctx = Ctx { db, app };
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact = named_contact(&as_user, "Ann").await;
    let res = as_user
        .header("x-forwarded-for", "192.0.2.44, 127.0.0.2")
        .post_json(
            &consents_of(&contact),
            &json!({"consentType": "photography", "consentTextVersion": "p1", "granted": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let consent: Value = res.json();
    assert_eq!(consent["ipAddress"], "192.0.2.44");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consent_racing_a_contact_delete_is_404_not_500() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact = named_contact(&as_user, "Racing").await;
    let id = contact["id"].as_str().unwrap().to_owned();
    // Hold the contact as a concurrent delete would, until the consent is on its way.
    let mut owner = ctx.db.owner().await.unwrap();
    let tx = owner.transaction().await.unwrap();
    tx.execute(
        &format!("SELECT 1 FROM contacts WHERE id = '{id}' FOR UPDATE"),
        &[],
    )
    .await
    .unwrap();
    // Spawned, so the request is under way while this test holds the lock.
    let request = as_user
        .request(Method::POST, &consents_of(&contact))
        .json(&json!({"consentType": "marketing", "consentTextVersion": "v1", "granted": true}))
        .send();
    let pending = tokio::spawn(request);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    tx.execute(&format!("DELETE FROM contacts WHERE id = '{id}'"), &[])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let res = TestResponse::read(pending.await.unwrap().unwrap()).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
}
