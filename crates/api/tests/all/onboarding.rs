//! Onboarding links end to end: the practitioner's token administration, the public
//! status/track/upload/submit flow (atomic, single-use under concurrency, deduplicating
//! by email, photos bound to their token) and the Postgres-backed rate limiter of public
//! routes (per address, per token, headers, fail closed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;
use std::time::{Duration, Instant};

use crate::common::{Ctx, behind_proxy, pointers, problem, setup};
use omnicrm_api::TrustedProxies;
use omnicrm_domain::UserId;
use omnicrm_testkit::{ProxyMode, TestApp, TestAppOptions, TestDb};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;

const TOKENS: &str = "/api/v1/onboarding/admin/tokens";
const SUBMIT: &str = "/api/v1/onboarding/public/submit";
const UPLOAD: &str = "/api/v1/onboarding/public/upload-photo";
const TRACK: &str = "/api/v1/onboarding/public/track-access";

// ------------------------------------------------------------------ helpers

async fn create_token(ctx: &Ctx, user: UserId, body: Value) -> Value {
    let res = ctx.send(user, Method::POST, TOKENS, Some(body)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

async fn new_token(ctx: &Ctx, user: UserId) -> (String, String) {
    let created = create_token(ctx, user, json!({})).await;
    (
        created["token"].as_str().unwrap().to_owned(),
        created["id"].as_str().unwrap().to_owned(),
    )
}

fn form(token: &str, email: &str) -> Value {
    json!({
        "token": token,
        "client": {"displayName": "Ann Client", "primaryEmail": email},
        "consent": {},
    })
}

async fn public_post(app: &TestApp, path: &str, body: &Value) -> Response {
    app.http
        .post(app.url(path))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn public_get(app: &TestApp, path: &str) -> Response {
    app.http.get(app.url(path)).send().await.unwrap()
}

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

async fn token_info(ctx: &Ctx, user: UserId, id: &str) -> Value {
    let res = ctx
        .send(user, Method::GET, &format!("{TOKENS}/{id}"), None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 30, 30, 255]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A hand-built `multipart/form-data` body with optional `token` and `file` parts.
fn multipart(token: Option<&str>, file: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "omnicrm-test-boundary-7d2f";
    let mut body = Vec::new();
    if let Some(token) = token {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n{token}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(file) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"me.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(app: &TestApp, token: Option<&str>, file: Option<&[u8]>) -> Response {
    let (content_type, body) = multipart(token, file);
    app.http
        .post(app.url(UPLOAD))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The problem body without what differs per request.
async fn comparable_problem(res: Response) -> Value {
    let mut body = problem(res, StatusCode::NOT_FOUND, "not_found").await;
    body.as_object_mut().unwrap().remove("requestId");
    body
}

// ------------------------------------------------------------------ practitioner side

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_lifecycle_and_the_token_is_shown_only_once() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let res = ctx
        .send(
            user,
            Method::POST,
            TOKENS,
            Some(json!({"hoursValid": 24, "label": " Ann's intake ", "maxUses": 3})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = header(&res, "location");
    let created: Value = res.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("{TOKENS}/{id}"));
    assert_eq!(token.len(), 43, "32 random bytes, base64url");
    assert_eq!(
        created["publicUrl"],
        format!("{}/onboard/{token}", ctx.app.base_url)
    );
    assert_eq!(created["label"], "Ann's intake");
    assert_eq!(created["maxUses"], 3);
    let expires = OffsetDateTime::parse(
        created["expiresAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let hours = (expires - OffsetDateTime::now_utc()).whole_minutes() as f64 / 60.0;
    assert!((23.9..=24.0).contains(&hours), "{hours}");

    // The original path is an alias with the defaults of the rulebook.
    let alias = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/onboarding/admin/generate-tokens",
            Some(json!({})),
        )
        .await;
    assert_eq!(alias.status(), StatusCode::CREATED);
    let alias: Value = alias.json().await.unwrap();
    assert_eq!(alias["maxUses"], 1);

    // Only the hash is stored, and nothing readable ever carries the token again.
    let stored = owner_i64(
        &ctx,
        &format!(
            "SELECT count(*) FROM onboarding_tokens WHERE id = '{id}' AND token_hash = sha256('{token}'::bytea)"
        ),
    )
    .await;
    assert_eq!(stored, 1);
    let columns_with_token = owner_i64(
        &ctx,
        &format!("SELECT count(*) FROM onboarding_tokens t WHERE t::text LIKE '%{token}%'"),
    )
    .await;
    assert_eq!(columns_with_token, 0);
    let list = ctx.send(user, Method::GET, TOKENS, None).await;
    assert_eq!(list.status(), StatusCode::OK);
    let list_text = list.text().await.unwrap();
    assert!(!list_text.contains(&token));
    let list: Value = serde_json::from_str(&list_text).unwrap();
    assert_eq!(list["pagination"]["total"], 2);
    assert_eq!(list["items"][0]["id"], alias["id"], "newest first");
    let info = token_info(&ctx, user, &id).await;
    assert!(info.get("token").is_none());
    for (key, want) in [
        ("isActive", json!(true)),
        ("disabled", json!(false)),
        ("usedCount", json!(0)),
        ("maxUses", json!(3)),
        ("accessCount", json!(0)),
        ("formStartedCount", json!(0)),
        ("submissionCount", json!(0)),
        ("lastAccessedAt", Value::Null),
        ("label", json!("Ann's intake")),
    ] {
        assert_eq!(info[key], want, "{key}");
    }
    let page2 = ctx
        .send(
            user,
            Method::GET,
            &format!("{TOKENS}?page=2&pageSize=1"),
            None,
        )
        .await;
    let page2: Value = page2.json().await.unwrap();
    assert_eq!(page2["items"][0]["id"], id.as_str());

    // Disable: the public link stops working at once.
    assert_eq!(
        public_get(
            &ctx.app,
            &format!("/api/v1/onboarding/public/tokens/{token}")
        )
        .await
        .status(),
        StatusCode::OK
    );
    // An action body is empty or `{}`: broken JSON is refused and disables nothing.
    let res = ctx
        .app
        .as_user(user)
        .request(Method::POST, &format!("{TOKENS}/{id}/disable"))
        .header("content-type", "application/json")
        .body("{\"disabled\": ")
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;
    assert_eq!(
        public_get(
            &ctx.app,
            &format!("/api/v1/onboarding/public/tokens/{token}")
        )
        .await
        .status(),
        StatusCode::OK
    );
    let disabled = ctx
        .send(user, Method::POST, &format!("{TOKENS}/{id}/disable"), None)
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    let disabled: Value = disabled.json().await.unwrap();
    assert_eq!(
        (disabled["disabled"].clone(), disabled["isActive"].clone()),
        (json!(true), json!(false))
    );
    problem(
        public_get(
            &ctx.app,
            &format!("/api/v1/onboarding/public/tokens/{token}"),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Delete: gone for good.
    let deleted = ctx
        .send(user, Method::DELETE, &format!("{TOKENS}/{id}"), None)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    for method in [Method::GET, Method::DELETE] {
        problem(
            ctx.send(user, method, &format!("{TOKENS}/{id}"), None)
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_bodies_and_queries_are_validated() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let res = ctx
        .send(
            user,
            Method::POST,
            TOKENS,
            Some(json!({"hoursValid": 169, "maxUses": 0, "label": "x".repeat(101)})),
        )
        .await;
    let body = problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
    let mut got = pointers(&body);
    got.sort();
    assert_eq!(got, ["/hoursValid", "/label", "/maxUses"]);
    let res = ctx
        .send(user, Method::POST, TOKENS, Some(json!({"hoursValid": 0})))
        .await;
    let body = problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
    assert_eq!(pointers(&body), ["/hoursValid"]);
    let res = ctx
        .send(user, Method::POST, TOKENS, Some(json!({"hours_valid": 5})))
        .await;
    problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;
    let res = ctx
        .send(user, Method::GET, &format!("{TOKENS}?pageSize=0"), None)
        .await;
    problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
    let res = ctx
        .send(user, Method::GET, &format!("{TOKENS}/not-a-uuid"), None)
        .await;
    problem(res, StatusCode::NOT_FOUND, "not_found").await;
    // Without credentials the admin routes are 401.
    let res = ctx.app.http.get(ctx.app.url(TOKENS)).send().await.unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_practitioners_tokens_are_404_on_every_admin_route() {
    let ctx = setup().await;
    let owner = TestApp::new_user();
    let intruder = TestApp::new_user();
    let (_, id) = new_token(&ctx, owner).await;
    new_token(&ctx, intruder).await;
    for (method, path) in [
        (Method::GET, format!("{TOKENS}/{id}")),
        (Method::POST, format!("{TOKENS}/{id}/disable")),
        (Method::DELETE, format!("{TOKENS}/{id}")),
    ] {
        let res = ctx.send(intruder, method.clone(), &path, None).await;
        problem(res, StatusCode::NOT_FOUND, "not_found").await;
    }
    let list: Value = ctx
        .send(intruder, Method::GET, TOKENS, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["pagination"]["total"], 1);
    assert_ne!(list["items"][0]["id"], id.as_str());
    // The owner's token is untouched.
    let info = token_info(&ctx, owner, &id).await;
    assert_eq!(info["isActive"], true);
}

// ------------------------------------------------------------------ public side

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_expired_disabled_and_used_up_tokens_are_the_same_404() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let (expired, expired_id) = new_token(&ctx, user).await;
    owner_exec(
        &ctx,
        &format!("UPDATE onboarding_tokens SET expires_at = now() - interval '1 minute' WHERE id = '{expired_id}'"),
    )
    .await;
    let (disabled, disabled_id) = new_token(&ctx, user).await;
    ctx.send(
        user,
        Method::POST,
        &format!("{TOKENS}/{disabled_id}/disable"),
        None,
    )
    .await;
    let (used, _) = new_token(&ctx, user).await;
    let first = public_post(&ctx.app, SUBMIT, &form(&used, "used@example.com")).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let unknown = "A".repeat(43);

    let png = png(8, 8);
    for route in ["status", "track", "submit", "upload"] {
        let mut bodies = Vec::new();
        for token in [&unknown, &expired, &disabled, &used] {
            let res = match route {
                "status" => {
                    public_get(
                        &ctx.app,
                        &format!("/api/v1/onboarding/public/tokens/{token}"),
                    )
                    .await
                }
                "track" => public_post(&ctx.app, TRACK, &json!({"token": token})).await,
                "submit" => public_post(&ctx.app, SUBMIT, &form(token, "x@example.com")).await,
                _ => upload(&ctx.app, Some(token), Some(&png)).await,
            };
            let mut body = comparable_problem(res).await;
            if route == "status" {
                body.as_object_mut().unwrap().remove("instance");
            }
            bodies.push(body);
        }
        assert!(
            bodies.windows(2).all(|w| w[0] == w[1]),
            "{route}: {bodies:#?}"
        );
    }
    // Nothing was written by the refused submissions.
    assert_eq!(owner_i64(&ctx, "SELECT count(*) FROM contacts").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_status_and_tracking() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let created = create_token(&ctx, user, json!({"label": "Intake"})).await;
    let token = created["token"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    let status_path = format!("/api/v1/onboarding/public/tokens/{token}");

    let status: Value = public_get(&ctx.app, &status_path)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["valid"], true);
    assert_eq!(status["label"], "Intake");
    assert_eq!(status["expiresAt"], created["expiresAt"]);
    assert!(status.get("practitioner").is_none());
    owner_exec(
        &ctx,
        &format!("INSERT INTO user_profiles (user_id, preferred_name, organization_name) VALUES ('{user}', 'Dr. Lee', 'Calm Clinic')"),
    )
    .await;
    let status: Value = public_get(&ctx.app, &status_path)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        status["practitioner"],
        json!({"name": "Dr. Lee", "organization": "Calm Clinic"})
    );

    for body in [
        json!({"token": token}),
        json!({"token": token, "action": "page_view"}),
        json!({"token": token, "action": "form_start"}),
    ] {
        let res = public_post(&ctx.app, TRACK, &body).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
    let info = token_info(&ctx, user, id).await;
    assert_eq!(info["accessCount"], 2);
    assert_eq!(info["formStartedCount"], 1);
    assert!(info["lastAccessedAt"].is_string());
    let res = public_post(
        &ctx.app,
        TRACK,
        &json!({"token": token, "action": "form_submit"}),
    )
    .await;
    problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
    // Tracking does not use the link up.
    assert_eq!(token_info(&ctx, user, id).await["isActive"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_creates_the_contact_records_consent_and_uses_the_link() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let (token, id) = new_token(&ctx, user).await;
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
        .http
        .post(ctx.app.url(SUBMIT))
        .header("user-agent", "OnboardingTest/1.0")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = header(&res, "location");
    let submitted: Value = res.json().await.unwrap();
    let contact_id = submitted["contactId"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/contacts/{contact_id}"));

    let contact: Value = ctx
        .send(user, Method::GET, &location, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(contact["displayName"], "Ann Client");
    assert_eq!(contact["source"], "onboarding");
    assert_eq!(contact["lifecycleStage"], "New Client");
    assert_eq!(contact["dateOfBirth"], "1990-02-03");
    assert_eq!(contact["address"]["city"], "Leeds");
    assert_eq!(contact["healthContext"]["allergies"], json!(["nuts"]));

    let consents: Value = ctx
        .send(user, Method::GET, &format!("{location}/consents"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(consents["pagination"]["total"], 1);
    let consent = &consents["items"][0];
    assert_eq!(consent["consentType"], "hipaa");
    assert_eq!(consent["consentTextVersion"], "v2.1");
    assert_eq!(consent["granted"], true);
    assert_eq!(consent["ipAddress"], "127.0.0.1");
    assert_eq!(consent["userAgent"], "OnboardingTest/1.0");
    assert_eq!(consent["signatureSvg"], "<svg/>");

    let info = token_info(&ctx, user, &id).await;
    assert_eq!(info["usedCount"], 1);
    assert_eq!(info["submissionCount"], 1);
    assert_eq!(info["isActive"], false);
    let again = public_post(&ctx.app, SUBMIT, &form(&token, "other@example.com")).await;
    problem(again, StatusCode::NOT_FOUND, "not_found").await;
}

async fn get_json(ctx: &Ctx, user: UserId, path: &str) -> Value {
    let res = ctx.send(user, Method::GET, path, None).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.json().await.unwrap()
}

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
async fn a_submission_never_modifies_an_existing_contact_and_is_marked_as_its_possible_duplicate() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let existing = ctx
        .create_contact(
            user,
            json!({"displayName": "A. Client", "primaryEmail": "Ann@Example.com",
                   "primaryPhone": "(202) 555-0143", "dateOfBirth": "1980-01-01",
                   "address": {"city": "Springfield"}, "source": "manual"}),
        )
        .await;
    let existing_id = existing["id"].as_str().unwrap().to_owned();
    let res = ctx
        .send(
            user,
            Method::POST,
            &format!("/api/v1/contacts/{existing_id}/consents"),
            Some(json!({"consentType": "hipaa", "consentTextVersion": "v1", "granted": true})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let before =
        stored_state(&get_json(&ctx, user, &format!("/api/v1/contacts/{existing_id}")).await);
    // Another practitioner's contact with the same email is never matched.
    let other = TestApp::new_user();
    ctx.create_contact(
        other,
        json!({"displayName": "Other", "primaryEmail": "ann@example.com"}),
    )
    .await;

    // The attack: the known email, other personal data, a photo and a revoked consent.
    let created_token = create_token(&ctx, user, json!({"maxUses": 3})).await;
    let token = created_token["token"].as_str().unwrap().to_owned();
    let uploaded: Value = upload(&ctx.app, Some(&token), Some(&png(32, 32)))
        .await
        .json()
        .await
        .unwrap();
    let mut body = form(&token, "ann@example.com");
    body["client"]["dateOfBirth"] = json!("1999-09-09");
    body["client"]["address"] = json!({"city": "Elsewhere"});
    body["client"]["healthContext"] = json!({"notes": "made up"});
    body["consent"] = json!({"consentType": "hipaa", "granted": false});
    body["photoPath"] = uploaded["filePath"].clone();
    let res = public_post(&ctx.app, SUBMIT, &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let known_location = header(&res, "location");
    let known: Value = res.json().await.unwrap();
    let new_id = known["contactId"].as_str().unwrap().to_owned();
    assert_ne!(new_id, existing_id, "never the existing contact's id");
    assert_eq!(known_location, format!("/api/v1/contacts/{new_id}"));

    // An unknown email gets an answer of the same shape.
    let res = public_post(&ctx.app, SUBMIT, &form(&token, "nobody@example.com")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let unknown: Value = res.json().await.unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&known), keys(&unknown));

    // The existing contact is untouched: fields, updatedAt, consents, photo.
    let after_existing = get_json(&ctx, user, &format!("/api/v1/contacts/{existing_id}")).await;
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
    let created = get_json(&ctx, user, &format!("/api/v1/contacts/{new_id}")).await;
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
    let list = get_json(&ctx, user, "/api/v1/contacts/duplicates").await;
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(list["items"][0]["contact"]["id"], new_id.as_str());
    assert_eq!(list["items"][0]["existing"]["id"], existing_id.as_str());
    let others = get_json(&ctx, other, "/api/v1/contacts/duplicates").await;
    assert_eq!(others["pagination"]["total"], 0);

    // The phone alone, written differently, is a match too.
    let mut by_phone = form(&token, "ann.other@example.com");
    by_phone["client"]["primaryPhone"] = json!("+1 202-555-0143");
    let res = public_post(&ctx.app, SUBMIT, &by_phone).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let phone_id = res.json::<Value>().await.unwrap()["contactId"]
        .as_str()
        .unwrap()
        .to_owned();
    let phone_contact = get_json(&ctx, user, &format!("/api/v1/contacts/{phone_id}")).await;
    assert_eq!(
        phone_contact["possibleDuplicates"][0]["contactId"],
        existing_id.as_str()
    );
    assert_eq!(phone_contact["possibleDuplicates"][0]["matched"], "phone");

    // "Not a duplicate": dismissed from either side, once; the contacts stay.
    let dismiss = format!("/api/v1/contacts/{existing_id}/duplicates/{new_id}");
    let res = ctx.send(user, Method::DELETE, &dismiss, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = ctx.send(user, Method::DELETE, &dismiss, None).await;
    problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let res = ctx
        .send(
            other,
            Method::DELETE,
            &format!("/api/v1/contacts/{phone_id}/duplicates/{existing_id}"),
            None,
        )
        .await;
    problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let list = get_json(&ctx, user, "/api/v1/contacts/duplicates").await;
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
    let res = ctx
        .send(
            user,
            Method::DELETE,
            &format!("/api/v1/contacts/{phone_id}"),
            None,
        )
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
    const ROUNDS: usize = 20;
    const CONCURRENT: usize = 4;
    for round in 0..ROUNDS {
        let (token, id) = new_token(&ctx, user).await;
        let mut tasks = Vec::new();
        for n in 0..CONCURRENT {
            let http = ctx.app.http.clone();
            let url = ctx.app.url(SUBMIT);
            let body = form(&token, &format!("round{round}-client{n}@example.com"));
            tasks.push(tokio::spawn(async move {
                http.post(url).json(&body).send().await.unwrap().status()
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
        let info = token_info(&ctx, user, &id).await;
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
async fn an_uploaded_photo_is_attached_only_by_its_own_link() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let (token, token_id) = new_token(&ctx, user).await;
    let (other_token, _) = new_token(&ctx, user).await;
    let original = png(1600, 900);
    let res = upload(&ctx.app, Some(&token), Some(&original)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let uploaded: Value = res.json().await.unwrap();
    let path = uploaded["filePath"].as_str().unwrap().to_owned();
    assert!(path.starts_with(&format!("{user}/onboarding/")), "{path}");
    assert!(path.ends_with(".jpg"), "{path}");
    assert_eq!(uploaded["originalSize"], original.len());
    let stored = std::fs::read(ctx.app.files_dir.path().join(&path)).unwrap();
    assert_eq!(uploaded["fileSize"], stored.len());
    let decoded = image::load_from_memory(&stored).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (1024, 576),
        "downscaled"
    );

    // Another link cannot attach it; the failed submission leaves nothing behind.
    let mut stolen = form(&other_token, "thief@example.com");
    stolen["photoPath"] = json!(path);
    let res = public_post(&ctx.app, SUBMIT, &stolen).await;
    let body = problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
    assert_eq!(pointers(&body), ["/photoPath"]);
    assert_eq!(owner_i64(&ctx, "SELECT count(*) FROM contacts").await, 0);
    assert_eq!(
        owner_i64(&ctx, "SELECT count(*) FROM client_consents").await,
        0
    );
    assert_eq!(
        owner_i64(
            &ctx,
            "SELECT coalesce(sum(used_count), 0)::bigint FROM onboarding_tokens"
        )
        .await,
        0
    );

    // Its own link attaches it.
    let mut own = form(&token, "ann@example.com");
    own["photoPath"] = json!(path);
    let res = public_post(&ctx.app, SUBMIT, &own).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let contact_id = res.json::<Value>().await.unwrap()["contactId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        owner_i64(
            &ctx,
            &format!(
                "SELECT count(*) FROM contacts WHERE id = '{contact_id}' AND photo_url = '{path}'"
            )
        )
        .await,
        1
    );
    assert_eq!(
        owner_i64(
            &ctx,
            &format!(
                "SELECT count(*) FROM client_files WHERE contact_id = '{contact_id}' AND file_type = 'photo' \
                 AND file_path = '{path}' AND mime_type = 'image/jpeg' AND file_size = {}",
                stored.len()
            )
        )
        .await,
        1
    );
    // Consumed: the pending upload is gone, so it cannot be attached twice.
    assert_eq!(
        owner_i64(
            &ctx,
            &format!("SELECT count(*) FROM onboarding_uploads WHERE token_id = '{token_id}'")
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_refuse_non_images_oversized_files_and_missing_parts() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let (token, id) = new_token(&ctx, user).await;
    let res = upload(
        &ctx.app,
        Some(&token),
        Some(b"<html><script>alert(1)</script></html>"),
    )
    .await;
    problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let mut truncated = png(64, 64);
    truncated.truncate(truncated.len() / 2);
    let res = upload(&ctx.app, Some(&token), Some(&truncated)).await;
    problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let big = vec![0_u8; 5 * 1024 * 1024 + 1];
    let res = upload(&ctx.app, Some(&token), Some(&big)).await;
    problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let res = upload(&ctx.app, Some(&token), None).await;
    let body = problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
    assert_eq!(pointers(&body), ["/file"]);
    let res = upload(&ctx.app, None, Some(&png(4, 4))).await;
    let body = problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
    assert_eq!(pointers(&body), ["/token"]);
    let res = ctx
        .app
        .http
        .post(ctx.app.url(UPLOAD))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;
    // Five photos may wait for one link's submission; the sixth is refused.
    for _ in 0..5 {
        let res = upload(&ctx.app, Some(&token), Some(&png(4, 4))).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = upload(&ctx.app, Some(&token), Some(&png(4, 4))).await;
    problem(res, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(
        std::fs::read_dir(
            ctx.app
                .files_dir
                .path()
                .join(user.to_string())
                .join("onboarding")
        )
        .unwrap()
        .count(),
        5
    );
    // Deleting the link removes the photos no submission used.
    let res = ctx
        .send(user, Method::DELETE, &format!("{TOKENS}/{id}"), None)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        std::fs::read_dir(
            ctx.app
                .files_dir
                .path()
                .join(user.to_string())
                .join("onboarding")
        )
        .unwrap()
        .count(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_submissions_are_refused_before_anything_is_written() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let (token, id) = new_token(&ctx, user).await;
    let mut bad_consent = form(&token, "ann@example.com");
    bad_consent["consent"]["consentType"] = json!("everything");
    let body = problem(
        public_post(&ctx.app, SUBMIT, &bad_consent).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/consent/consentType"]);
    let no_email = json!({"token": token, "client": {"displayName": "Ann"}, "consent": {}});
    let body = problem(
        public_post(&ctx.app, SUBMIT, &no_email).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/client/primaryEmail"]);
    let mut bad_values = form(&token, "not-an-email");
    bad_values["client"]["displayName"] = json!(" ");
    bad_values["client"]["dateOfBirth"] = json!("03/02/1990");
    let body = problem(
        public_post(&ctx.app, SUBMIT, &bad_values).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/client/dateOfBirth"]);
    let mut bad_values = form(&token, "not-an-email");
    bad_values["client"]["displayName"] = json!(" ");
    let body = problem(
        public_post(&ctx.app, SUBMIT, &bad_values).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    let mut got = pointers(&body);
    got.sort();
    assert_eq!(got, ["/client/displayName", "/client/primaryEmail"]);
    let snake = json!({"token": token, "client": {"display_name": "Ann", "primaryEmail": "a@b.co"}, "consent": {}});
    problem(
        public_post(&ctx.app, SUBMIT, &snake).await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(owner_i64(&ctx, "SELECT count(*) FROM contacts").await, 0);
    let info = token_info(&ctx, user, &id).await;
    assert_eq!(info["usedCount"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_error_after_the_contact_insert_rolls_everything_back() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let (token, id) = new_token(&ctx, user).await;
    // Consents are written after the contact: make that write fail.
    owner_exec(
        &ctx,
        "CREATE FUNCTION fail_consent() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN RAISE EXCEPTION 'forced failure'; END $$; \
         CREATE TRIGGER fail_consent BEFORE INSERT ON client_consents \
         FOR EACH ROW EXECUTE FUNCTION fail_consent();",
    )
    .await;
    let res = public_post(&ctx.app, SUBMIT, &form(&token, "ann@example.com")).await;
    let body = problem(res, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    assert!(!body.to_string().contains("forced failure"), "{body}");
    assert_eq!(owner_i64(&ctx, "SELECT count(*) FROM contacts").await, 0);
    assert_eq!(token_info(&ctx, user, &id).await["usedCount"], 0);

    owner_exec(&ctx, "DROP TRIGGER fail_consent ON client_consents").await;
    let res = public_post(&ctx.app, SUBMIT, &form(&token, "ann@example.com")).await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "the link was not used up"
    );
    assert_eq!(owner_i64(&ctx, "SELECT count(*) FROM contacts").await, 1);
}

// ------------------------------------------------------------------ rate limiting

/// A limited app that believes 127.0.0.1's `X-Forwarded-For`, so one test plays many clients.
async fn limited_app(db: &TestDb, limit: u32) -> TestApp {
    TestApp::spawn_with(
        db,
        TestAppOptions {
            public_rate_limit: limit,
            trusted_proxies: TrustedProxies::parse("127.0.0.1").unwrap(),
            ..TestAppOptions::default()
        },
    )
    .await
}

/// Sliding windows weigh the previous minute in; start a burst early in a minute so the
/// whole burst sees the same window.
async fn early_in_a_minute() {
    let second = OffsetDateTime::now_utc().second();
    if second >= 50 {
        tokio::time::sleep(Duration::from_secs(u64::from(61 - second))).await;
    }
}

async fn get_as(app: &TestApp, ip: &str, path: &str) -> Response {
    app.http
        .get(app.url(path))
        .header("x-forwarded-for", ip)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sixth_request_in_a_minute_is_429_with_rate_limit_headers() {
    let db = TestDb::new().await.unwrap();
    let app = limited_app(&db, 5).await;
    let status = "/api/v1/onboarding/public/tokens/unknown-token";
    early_in_a_minute().await;
    for n in 0..5 {
        let res = get_as(&app, "203.0.113.1", status).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "request {n}");
        assert_eq!(header(&res, "ratelimit-policy"), "\"public-ip\";q=5;w=60");
        let state = header(&res, "ratelimit");
        assert!(
            state.starts_with(&format!("\"public-ip\";r={};t=", 4 - n)),
            "request {n}: {state}"
        );
    }
    let res = get_as(&app, "203.0.113.1", status).await;
    assert_eq!(header(&res, "ratelimit-policy"), "\"public-ip\";q=5;w=60");
    assert!(header(&res, "ratelimit").starts_with("\"public-ip\";r=0;t="));
    let retry_after: u64 = header(&res, "retry-after").parse().unwrap();
    assert!((1..=120).contains(&retry_after), "{retry_after}");
    problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;

    // A second server instance over the same database sees the same count.
    let second_instance = limited_app(&db, 5).await;
    let res = get_as(&second_instance, "203.0.113.1", status).await;
    problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;

    // Another address has its own budget; so has another public route.
    let res = get_as(&app, "203.0.113.2", status).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .http
        .post(app.url(TRACK))
        .header("x-forwarded-for", "203.0.113.1")
        .json(&json!({"token": "unknown-token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Authenticated routes are not limited by the public limiter but per user.
    let user = TestApp::new_user();
    let res = app
        .as_user(user)
        .request(Method::GET, TOKENS)
        .header("x-forwarded-for", "203.0.113.1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(header(&res, "ratelimit-policy").starts_with("\"user-read\";"));
    // A client that does not come through a trusted proxy cannot pick its bucket.
    let default_app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            public_rate_limit: 5,
            ..TestAppOptions::default()
        },
    )
    .await;
    for n in 0..6 {
        let res = get_as(&default_app, &format!("198.51.100.{n}"), status).await;
        if n < 5 {
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "request {n}");
        } else {
            problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submissions_are_also_limited_per_token() {
    let db = TestDb::new().await.unwrap();
    let app = limited_app(&db, 5).await;
    let ctx = Ctx { db, app };
    let user = TestApp::new_user();
    let (token, _) = new_token(&ctx, user).await;
    let (other_token, _) = new_token(&ctx, user).await;
    let submit_as = |ip: String, token: String| {
        let http = ctx.app.http.clone();
        let url = ctx.app.url(SUBMIT);
        async move {
            http.post(url)
                .header("x-forwarded-for", ip)
                .json(&form(&token, "ann@example.com"))
                .send()
                .await
                .unwrap()
        }
    };
    early_in_a_minute().await;
    for n in 1..=5 {
        let res = submit_as(format!("10.9.0.{n}"), token.clone()).await;
        let expected = if n == 1 {
            StatusCode::CREATED
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(res.status(), expected, "submission {n}");
        assert_eq!(
            header(&res, "ratelimit-policy"),
            "\"public-ip\";q=5;w=60, \"onboarding-token\";q=5;w=60"
        );
    }
    // A sixth address, still the same token: refused by the token's budget.
    let res = submit_as("10.9.0.6".to_owned(), token.clone()).await;
    assert!(header(&res, "ratelimit").contains("\"onboarding-token\";r=0;t="));
    assert!(!header(&res, "retry-after").is_empty());
    problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // The same address with another token is fine.
    let res = submit_as("10.9.0.6".to_owned(), other_token).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limiter_fails_closed_when_the_database_is_unreachable() {
    let (_db, proxy, app) = behind_proxy(TestAppOptions {
        public_rate_limit: 5,
        ..TestAppOptions::default()
    })
    .await;
    // A malformed body never reaches the database in the handler: only the limiter asks.
    let malformed = || {
        app.http
            .post(app.url(SUBMIT))
            .header("content-type", "application/json")
            .body("{")
            .send()
    };
    let res = malformed().await.unwrap();
    problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;

    proxy.set(ProxyMode::Reset);
    let started = Instant::now();
    let res = malformed().await.unwrap();
    assert!(res.headers().get("ratelimit").is_none());
    problem(res, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let res = public_get(&app, "/api/v1/onboarding/public/tokens/whatever").await;
    problem(res, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;

    proxy.set(ProxyMode::Forward);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = malformed().await.unwrap().status();
        if status == StatusCode::BAD_REQUEST {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery, still {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_submission_with_a_photo_makes_its_own_contact_and_keeps_the_first_photo() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let mut paths = Vec::new();
    for _ in 0..2 {
        let (token, _) = new_token(&ctx, user).await;
        let res = upload(&ctx.app, Some(&token), Some(&png(64, 64))).await;
        assert_eq!(res.status(), StatusCode::OK);
        let path = res.json::<Value>().await.unwrap()["filePath"]
            .as_str()
            .unwrap()
            .to_owned();
        // The same client fills in both links: the second is a possible duplicate.
        let mut body = form(&token, "ann@example.com");
        body["photoPath"] = json!(path);
        assert_eq!(
            public_post(&ctx.app, SUBMIT, &body).await.status(),
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

async fn upload_as(app: &TestApp, ip: &str, token: &str) -> Response {
    let (content_type, body) = multipart(Some(token), Some(&png(4, 4)));
    app.http
        .post(app.url(UPLOAD))
        .header("content-type", content_type)
        .header("x-forwarded-for", ip)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_visitor_cannot_block_a_multi_use_link_with_pending_uploads() {
    let db = TestDb::new().await.unwrap();
    let app = limited_app(&db, 10_000).await;
    let ctx = Ctx { db, app };
    let user = TestApp::new_user();
    let created = create_token(&ctx, user, json!({"maxUses": 3})).await;
    let token = created["token"].as_str().unwrap();
    // One visitor: five photos may wait, the sixth is refused.
    for _ in 0..5 {
        assert_eq!(
            upload_as(&ctx.app, "203.0.113.1", token).await.status(),
            StatusCode::OK
        );
    }
    let res = upload_as(&ctx.app, "203.0.113.1", token).await;
    problem(res, StatusCode::CONFLICT, "conflict").await;
    // Other visitors of the same link are not blocked by it.
    for _ in 0..5 {
        assert_eq!(
            upload_as(&ctx.app, "198.51.100.7", token).await.status(),
            StatusCode::OK
        );
        assert_eq!(
            upload_as(&ctx.app, "192.0.2.44", token).await.status(),
            StatusCode::OK
        );
    }
    // The link as a whole: five per remaining submission (3 × 5 = 15).
    let res = upload_as(&ctx.app, "198.18.0.9", token).await;
    problem(res, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(
        owner_i64(&ctx, "SELECT count(*) FROM onboarding_uploads").await,
        15
    );
    ctx.app.stop().await;
}
