//! `POST /api/v1/onboarding/public/submit`: the contact, its consent and the link's use, all or nothing; never modifies an existing contact.

use crate::common::create_contact;
use crate::common::onboarding::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// What a submission must never change on an existing contact.
fn stored_state(contact: &Value) -> Value {
    json!({
        "displayName": contact["displayName"], "primaryEmail": contact["primaryEmail"],
        "primaryPhone": contact["primaryPhone"], "dateOfBirth": contact["dateOfBirth"],
        "address": contact["address"], "healthContext": contact["healthContext"],
        "source": contact["source"], "updatedAt": contact["updatedAt"],
        "consents": contact["consents"], "photo": contact["photoUrl"].is_string(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_creates_the_contact_records_consent_and_uses_the_link() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let (token, id) = new_token(&as_user).await;
    let body = json!({
        "token": token,
        "client": {
            "displayName": "Ann Client",
            "primaryEmail": "ann@example.com",
            "primaryPhone": "+44 20 7946 0958",
            "dateOfBirth": "1990-02-03",
            "emergencyContactName": "Bob",
            "emergencyContactPhone": "555-123-4567",
            "referralSource": "Instagram",
            "address": {"street": "1 Main St", "city": "Leeds", "postalCode": "LS1"},
            "healthContext": {"allergies": ["nuts"], "notes": "none"},
            "preferences": {"communicationMethod": "email", "marketingOptIn": false},
        },
        "consent": {"consentType": "hipaa", "consentTextVersion": "v2.1", "signatureSvg": "<svg/>"},
    });
    let res = ctx
        .app
        .anonymous()
        .header("user-agent", "OnboardingTest/1.0")
        .post_json(SUBMIT, &body)
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = header(&res, "location");
    let submitted: Value = res.json();
    let contact_id = submitted["contactId"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/contacts/{contact_id}"));

    let contact: Value = as_user.get(&location).await.json();
    assert_eq!(contact["displayName"], "Ann Client");
    assert_eq!(contact["source"], "onboarding");
    assert_eq!(contact["lifecycleStage"], "New Client");
    assert_eq!(contact["dateOfBirth"], "1990-02-03");
    assert_eq!(contact["address"]["city"], "Leeds");
    assert_eq!(contact["healthContext"]["allergies"], json!(["nuts"]));

    let consents: Value = as_user.get(&format!("{location}/consents")).await.json();
    assert_eq!(consents["pagination"]["total"], 1);
    let consent = &consents["items"][0];
    assert_eq!(consent["consentType"], "hipaa");
    assert_eq!(consent["consentTextVersion"], "v2.1");
    assert_eq!(consent["granted"], true);
    assert_eq!(consent["ipAddress"], "127.0.0.1");
    assert_eq!(consent["userAgent"], "OnboardingTest/1.0");
    assert_eq!(consent["signatureSvg"], "<svg/>");

    let info = token_info(&as_user, &id).await;
    assert_eq!(info["usedCount"], 1);
    assert_eq!(info["submissionCount"], 1);
    assert_eq!(info["isActive"], false);
    let again = ctx
        .app
        .anonymous()
        .post_json(SUBMIT, &form(&token, "other@example.com"))
        .await;
    again.problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_never_modifies_an_existing_contact_and_is_marked_as_its_possible_duplicate() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let existing = create_contact(
        &as_user,
        json!({"displayName": "A. Client", "primaryEmail": "Ann@Example.com",
                   "primaryPhone": "(202) 555-0143", "dateOfBirth": "1980-01-01",
                   "address": {"city": "Springfield"}, "source": "manual"}),
    )
    .await;
    let existing_id = existing["id"].as_str().unwrap().to_owned();
    let res = as_user
        .post_json(
            &format!("/api/v1/contacts/{existing_id}/consents"),
            &json!({"consentType": "hipaa", "consentTextVersion": "v1", "granted": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let before = stored_state(
        &as_user
            .get(&format!("/api/v1/contacts/{existing_id}"))
            .await
            .ok_json(StatusCode::OK),
    );
    // Another practitioner's contact with the same email is never matched.
    let other = TestApp::new_user();
    let as_other = ctx.app.as_user(other);
    create_contact(
        &as_other,
        json!({"displayName": "Other", "primaryEmail": "ann@example.com"}),
    )
    .await;

    // The attack: the known email, other personal data, a photo and a revoked consent.
    let created_token = create_token(&as_user, json!({"maxUses": 3})).await;
    let token = created_token["token"].as_str().unwrap().to_owned();
    let uploaded: Value = upload(&ctx.app, Some(&token), Some(&png(32, 32)))
        .await
        .json();
    let mut body = form(&token, "ann@example.com");
    body["client"]["dateOfBirth"] = json!("1999-09-09");
    body["client"]["address"] = json!({"city": "Elsewhere"});
    body["client"]["healthContext"] = json!({"notes": "made up"});
    body["consent"] = json!({"consentType": "hipaa", "granted": false});
    body["photoPath"] = uploaded["filePath"].clone();
    let res = ctx.app.anonymous().post_json(SUBMIT, &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let known_location = header(&res, "location");
    let known: Value = res.json();
    let new_id = known["contactId"].as_str().unwrap().to_owned();
    assert_ne!(new_id, existing_id, "never the existing contact's id");
    assert_eq!(known_location, format!("/api/v1/contacts/{new_id}"));

    // An unknown email gets an answer of the same shape.
    let res = ctx
        .app
        .anonymous()
        .post_json(SUBMIT, &form(&token, "nobody@example.com"))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let unknown: Value = res.json();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&known), keys(&unknown));

    // The existing contact is untouched: fields, updatedAt, consents, photo.
    let after_existing = as_user
        .get(&format!("/api/v1/contacts/{existing_id}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(stored_state(&after_existing), before);
    assert_eq!(
        owner_i64(
            &ctx,
            &format!("SELECT count(*) FROM client_consents WHERE contact_id = '{existing_id}'")
        )
        .await,
        1
    );
    // The new contact has what was submitted, the consent and the photo.
    let created = as_user
        .get(&format!("/api/v1/contacts/{new_id}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(created["displayName"], "Ann Client");
    assert_eq!(created["dateOfBirth"], "1999-09-09");
    assert_eq!(created["source"], "onboarding");
    assert_eq!(created["consents"][0]["consentType"], "hipaa");
    assert_eq!(created["consents"][0]["granted"], false);
    assert!(created["photoUrl"].is_string());
    assert_eq!(created["history"][0]["kind"], "onboarding_submission");

    // Marked on both records and in the list.
    assert_eq!(created["possibleDuplicates"].as_array().unwrap().len(), 1);
    assert_eq!(
        created["possibleDuplicates"][0]["contactId"],
        existing_id.as_str()
    );
    assert_eq!(created["possibleDuplicates"][0]["matched"], "email");
    assert_eq!(
        after_existing["possibleDuplicates"][0]["contactId"],
        new_id.as_str()
    );
    let list = as_user
        .get("/api/v1/contacts/duplicates")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(list["items"][0]["contact"]["id"], new_id.as_str());
    assert_eq!(list["items"][0]["existing"]["id"], existing_id.as_str());
    let others = as_other
        .get("/api/v1/contacts/duplicates")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(others["pagination"]["total"], 0);

    // The phone alone, written differently, is a match too.
    let mut by_phone = form(&token, "ann.other@example.com");
    by_phone["client"]["primaryPhone"] = json!("+1 202-555-0143");
    let res = ctx.app.anonymous().post_json(SUBMIT, &by_phone).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let phone_id = res.json::<Value>()["contactId"]
        .as_str()
        .unwrap()
        .to_owned();
    let phone_contact = as_user
        .get(&format!("/api/v1/contacts/{phone_id}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        phone_contact["possibleDuplicates"][0]["contactId"],
        existing_id.as_str()
    );
    assert_eq!(phone_contact["possibleDuplicates"][0]["matched"], "phone");

    // "Not a duplicate": dismissed from either side, once; the contacts stay.
    let dismiss = format!("/api/v1/contacts/{existing_id}/duplicates/{new_id}");
    let res = as_user.delete(&dismiss).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = as_user.delete(&dismiss).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    let res = as_other
        .delete(&format!(
            "/api/v1/contacts/{phone_id}/duplicates/{existing_id}"
        ))
        .await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    let list = as_user
        .get("/api/v1/contacts/duplicates")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        list["pagination"]["total"], 1,
        "only the phone mark is left"
    );
    assert_eq!(
        owner_i64(
            &ctx,
            &format!("SELECT count(*) FROM contacts WHERE user_id = '{user}'")
        )
        .await,
        4
    );
    // Deleting a contact drops its marks.
    let res = as_user
        .delete(&format!("/api/v1/contacts/{phone_id}"))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        owner_i64(&ctx, "SELECT count(*) FROM contact_duplicates").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submits_of_a_single_use_link_succeed_exactly_once() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    const ROUNDS: usize = 20;
    const CONCURRENT: usize = 4;
    for round in 0..ROUNDS {
        let (token, id) = new_token(&as_user).await;
        let mut tasks = Vec::new();
        for n in 0..CONCURRENT {
            let request = ctx
                .app
                .anonymous()
                .request(Method::POST, SUBMIT)
                .json(&form(
                    &token,
                    &format!("round{round}-client{n}@example.com"),
                ));
            tasks.push(tokio::spawn(async move {
                request.send().await.unwrap().status()
            }));
        }
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.unwrap());
        }
        let created = statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        assert_eq!(created, 1, "round {round}: {statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|s| *s == StatusCode::CREATED || *s == StatusCode::NOT_FOUND),
            "round {round}: {statuses:?}"
        );
        let info = token_info(&as_user, &id).await;
        assert_eq!(info["usedCount"], 1, "round {round}");
    }
    assert_eq!(
        owner_i64(&ctx, "SELECT count(*) FROM contacts").await,
        ROUNDS as i64
    );
    assert_eq!(
        owner_i64(&ctx, "SELECT count(*) FROM client_consents").await,
        ROUNDS as i64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_submissions_are_refused_before_anything_is_written() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let (token, id) = new_token(&as_user).await;
    let mut bad_consent = form(&token, "ann@example.com");
    bad_consent["consent"]["consentType"] = json!("everything");
    let body = ctx
        .app
        .anonymous()
        .post_json(SUBMIT, &bad_consent)
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/consent/consentType"]);
    let no_email = json!({"token": token, "client": {"displayName": "Ann"}, "consent": {}});
    let body = ctx
        .app
        .anonymous()
        .post_json(SUBMIT, &no_email)
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/client/primaryEmail"]);
    let mut bad_values = form(&token, "not-an-email");
    bad_values["client"]["displayName"] = json!(" ");
    bad_values["client"]["dateOfBirth"] = json!("03/02/1990");
    let body = ctx
        .app
        .anonymous()
        .post_json(SUBMIT, &bad_values)
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/client/dateOfBirth"]);
    let mut bad_values = form(&token, "not-an-email");
    bad_values["client"]["displayName"] = json!(" ");
    let body = ctx
        .app
        .anonymous()
        .post_json(SUBMIT, &bad_values)
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    let mut got = pointers(&body);
    got.sort();
    assert_eq!(got, ["/client/displayName", "/client/primaryEmail"]);
    let snake = json!({"token": token, "client": {"display_name": "Ann", "primaryEmail": "a@b.co"}, "consent": {}});
    ctx.app
        .anonymous()
        .post_json(SUBMIT, &snake)
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    assert_eq!(owner_i64(&ctx, "SELECT count(*) FROM contacts").await, 0);
    let info = token_info(&as_user, &id).await;
    assert_eq!(info["usedCount"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_error_after_the_contact_insert_rolls_everything_back() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let (token, id) = new_token(&as_user).await;
    // Consents are written after the contact: make that write fail.
    owner_exec(
        &ctx,
        "CREATE FUNCTION fail_consent() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN RAISE EXCEPTION 'forced failure'; END $$; \
         CREATE TRIGGER fail_consent BEFORE INSERT ON client_consents \
         FOR EACH ROW EXECUTE FUNCTION fail_consent();",
    )
    .await;
    let res = ctx
        .app
        .anonymous()
        .post_json(SUBMIT, &form(&token, "ann@example.com"))
        .await;
    let body = res.problem(StatusCode::INTERNAL_SERVER_ERROR, "internal");
    assert!(!body.to_string().contains("forced failure"), "{body}");
    assert_eq!(owner_i64(&ctx, "SELECT count(*) FROM contacts").await, 0);
    assert_eq!(token_info(&as_user, &id).await["usedCount"], 0);

    owner_exec(&ctx, "DROP TRIGGER fail_consent ON client_consents").await;
    let res = ctx
        .app
        .anonymous()
        .post_json(SUBMIT, &form(&token, "ann@example.com"))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "the link was not used up"
    );
    assert_eq!(owner_i64(&ctx, "SELECT count(*) FROM contacts").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_submission_with_a_photo_makes_its_own_contact_and_keeps_the_first_photo() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let mut paths = Vec::new();
    for _ in 0..2 {
        let (token, _) = new_token(&ctx.app.as_user(user)).await;
        let res = upload(&ctx.app, Some(&token), Some(&png(64, 64))).await;
        assert_eq!(res.status(), StatusCode::OK);
        let path = res.json::<Value>()["filePath"].as_str().unwrap().to_owned();
        // The same client fills in both links: the second is a possible duplicate.
        let mut body = form(&token, "ann@example.com");
        body["photoPath"] = json!(path);
        assert_eq!(
            ctx.app.anonymous().post_json(SUBMIT, &body).await.status(),
            StatusCode::CREATED
        );
        paths.push(path);
    }
    assert_eq!(owner_i64(&ctx, "SELECT count(*) FROM contacts").await, 2);
    assert_eq!(
        owner_i64(&ctx, "SELECT count(*) FROM contact_duplicates").await,
        1
    );
    for path in &paths {
        let files = format!("SELECT count(*) FROM client_files WHERE file_path = '{path}'");
        assert_eq!(owner_i64(&ctx, &files).await, 1);
        assert!(ctx.app.files_dir.path().join(path).exists());
    }
}
