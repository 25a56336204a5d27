//! Replays, mismatches and keys per user, table-driven over every creating POST of the
//! OpenAPI document.

use std::collections::BTreeSet;

use omnicrm_testkit::{Multipart, Requester, TestApp, TestDb, TestResponse};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Creating POSTs with no user (public): keys are per user, so they have none.
const PUBLIC: &[&str] = &[
    "/api/v1/onboarding/public/submit",
    "/api/v1/onboarding/public/upload-photo",
];

/// One creating request: where it goes and what it sends.
enum Body {
    Json(Value),
    Form(Multipart),
}

struct Create {
    template: &'static str,
    path: String,
    body: Body,
}

fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbImage::from_pixel(8, 8, image::Rgb([200, 10, 10]))
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

async fn creates(user: &Requester<'_>) -> Vec<Create> {
    let contact: Value = user
        .post_json("/api/v1/contacts", &json!({"displayName": "Ada"}))
        .await
        .ok_json(StatusCode::CREATED);
    let c = contact["id"].as_str().unwrap().to_owned();
    let consent: Value = user
        .post_json(
            &format!("/api/v1/contacts/{c}/consents"),
            &json!({"consentType": "marketing", "consentTextVersion": "m1", "granted": true}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let consent = consent["id"].as_str().unwrap().to_owned();
    let habit: Value = user
        .post_json("/api/v1/omni-momentum/habits", &json!({"name": "Stretch"}))
        .await
        .ok_json(StatusCode::CREATED);
    let habit = habit["id"].as_str().unwrap().to_owned();
    let task: Value = user
        .post_json("/api/v1/omni-momentum/tasks", &json!({"name": "Plan"}))
        .await
        .ok_json(StatusCode::CREATED);
    let task = task["id"].as_str().unwrap().to_owned();
    let list = vec![
        Create {
            template: "/api/v1/contacts",
            path: "/api/v1/contacts".into(),
            body: Body::Json(json!({"displayName": "Grace"})),
        },
        Create {
            template: "/api/v1/data-intelligence/documents",
            path: "/api/v1/data-intelligence/documents".into(),
            body: Body::Json(json!({"title": "Intake", "ownerContactId": c})),
        },
        Create {
            template: "/api/v1/chat/threads",
            path: "/api/v1/chat/threads".into(),
            body: Body::Json(json!({"title": "Sleep clients"})),
        },
        Create {
            template: "/api/v1/notes",
            path: "/api/v1/notes".into(),
            body: Body::Json(json!({"contactId": c, "contentPlain": "first session"})),
        },
        Create {
            template: "/api/v1/tags",
            path: "/api/v1/tags".into(),
            body: Body::Json(json!({"name": "Alpha"})),
        },
        Create {
            template: "/api/v1/contacts/{id}/consents",
            path: format!("/api/v1/contacts/{c}/consents"),
            body: Body::Json(
                json!({"consentType": "hipaa", "consentTextVersion": "v1", "granted": true}),
            ),
        },
        Create {
            template: "/api/v1/contacts/{id}/consents/{consentId}/revoke",
            path: format!("/api/v1/contacts/{c}/consents/{consent}/revoke"),
            body: Body::Json(json!({})),
        },
        Create {
            template: "/api/v1/data-intelligence/contact-identities",
            path: "/api/v1/data-intelligence/contact-identities".into(),
            body: Body::Json(json!({"contactId": c, "kind": "email", "value": "ada@example.com"})),
        },
        Create {
            template: "/api/v1/data-intelligence/ignored-identifiers",
            path: "/api/v1/data-intelligence/ignored-identifiers".into(),
            body: Body::Json(json!({"kind": "email", "value": "news@shop.example"})),
        },
        Create {
            template: "/api/v1/onboarding/admin/tokens",
            path: "/api/v1/onboarding/admin/tokens".into(),
            body: Body::Json(json!({"label": "intake"})),
        },
        Create {
            template: "/api/v1/onboarding/admin/generate-tokens",
            path: "/api/v1/onboarding/admin/generate-tokens".into(),
            body: Body::Json(json!({"label": "batch"})),
        },
        Create {
            template: "/api/v1/contacts/{id}/files",
            path: format!("/api/v1/contacts/{c}/files"),
            body: Body::Form(Multipart::new().file(
                "file",
                "doc.pdf",
                "application/pdf",
                b"%PDF-1.4\n%x\n",
            )),
        },
        Create {
            template: "/api/v1/contacts/{id}/photo",
            path: format!("/api/v1/contacts/{c}/photo"),
            body: Body::Form(Multipart::new().file("file", "me.png", "image/png", &png())),
        },
        Create {
            template: "/api/v1/omni-momentum/habits",
            path: "/api/v1/omni-momentum/habits".into(),
            body: Body::Json(json!({"name": "Meditate"})),
        },
        Create {
            template: "/api/v1/omni-momentum/projects",
            path: "/api/v1/omni-momentum/projects".into(),
            body: Body::Json(json!({"name": "Launch"})),
        },
        Create {
            template: "/api/v1/omni-momentum/tasks",
            path: "/api/v1/omni-momentum/tasks".into(),
            body: Body::Json(json!({"name": "Call back"})),
        },
        Create {
            template: "/api/v1/omni-momentum/tasks/{id}/subtasks",
            path: format!("/api/v1/omni-momentum/tasks/{task}/subtasks"),
            body: Body::Json(json!({"title": "Dial"})),
        },
        Create {
            template: "/api/v1/omni-momentum/goals",
            path: "/api/v1/omni-momentum/goals".into(),
            body: Body::Json(json!({"name": "Run 5k", "goalType": "practitioner_personal"})),
        },
        Create {
            template: "/api/v1/omni-momentum/inbox",
            path: "/api/v1/omni-momentum/inbox".into(),
            body: Body::Json(json!({"rawText": "call Ana tomorrow"})),
        },
        Create {
            template: "/api/v1/omni-momentum/inbox/voice",
            path: "/api/v1/omni-momentum/inbox/voice".into(),
            body: Body::Form(Multipart::new().text("transcription", "call Ana").file(
                "audio",
                "memo.wav",
                "audio/wav",
                b"RIFF\0\0\0\0WAVEfmt \0\0\0\0",
            )),
        },
        Create {
            template: "/api/v1/omni-momentum/inbox/intelligent",
            path: "/api/v1/omni-momentum/inbox/intelligent".into(),
            body: Body::Json(json!({"rawText": "- a\n- b"})),
        },
        Create {
            template: "/api/v1/omni-momentum/pulse",
            path: "/api/v1/omni-momentum/pulse".into(),
            body: Body::Json(json!({
                "logDate": "2026-03-01",
                "details": {"time": 3, "energy": 4, "mood": 5}
            })),
        },
        Create {
            template: "/api/v1/omni-momentum/habits/{id}/completions",
            path: format!("/api/v1/omni-momentum/habits/{habit}/completions"),
            body: Body::Json(json!({})),
        },
    ];
    let covered: BTreeSet<String> = list.iter().map(|c| c.template.to_owned()).collect();
    assert_eq!(
        covered,
        creating_routes(),
        "add a Create for each new creating POST"
    );
    list
}

/// Every authenticated POST of the document that answers 201.
fn creating_routes() -> BTreeSet<String> {
    omnicrm_api::api_doc()
        .paths
        .paths
        .iter()
        .filter(|(_, item)| {
            item.post
                .as_ref()
                .is_some_and(|op| op.responses.responses.contains_key("201"))
        })
        .map(|(path, _)| path.clone())
        .filter(|path| !PUBLIC.contains(&path.as_str()))
        .collect()
}

async fn send(user: &Requester<'_>, create: &Create) -> TestResponse {
    match &create.body {
        Body::Json(body) => user.post_json(&create.path, body).await,
        Body::Form(form) => user.post_multipart(&create.path, form).await,
    }
}

/// Status, every header the handler set, and the body, as one comparable value. The
/// request id, date and rate-limit state describe the retry itself, not the first answer.
fn snapshot(res: &TestResponse) -> (StatusCode, Vec<(String, String)>, Vec<u8>) {
    let mut headers: Vec<(String, String)> = res
        .headers()
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "x-request-id" | "date" | "ratelimit"))
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    (res.status(), headers, res.bytes().to_vec())
}

#[tokio::test]
async fn a_retry_replays_the_first_response_byte_for_byte_without_creating_anything() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user());
    for (n, create) in creates(&alice).await.iter().enumerate() {
        let what = create.template;
        let keyed = alice
            .clone()
            .header("idempotency-key", &format!("create-{n}"));
        let first = send(&keyed, create).await;
        assert_eq!(
            first.status(),
            StatusCode::CREATED,
            "{what}: {}",
            first.text()
        );
        let retry = send(&keyed, create).await;
        // Every create makes a new id (and tokens), so equal bodies mean the handler did
        // not run again.
        assert_eq!(snapshot(&retry), snapshot(&first), "{what}: not a replay");
        if let Some(location) = first.header("location") {
            assert!(!location.is_empty());
        }
        // Without the key, the same request creates again.
        let fresh = send(&alice, create).await;
        assert_ne!(fresh.bytes(), first.bytes(), "{what}");
    }
    let count: Value = alice
        .get("/api/v1/contacts/count")
        .await
        .ok_json(StatusCode::OK);
    // Ada (the fixture), Grace once with the key, once without.
    assert_eq!(count["count"], 3);
}

#[tokio::test]
async fn the_same_key_with_another_request_is_422_and_creates_nothing() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user());
    let keyed = alice.clone().header("idempotency-key", "k-1");
    keyed
        .post_json("/api/v1/tags", &json!({"name": "Alpha"}))
        .await
        .expect(StatusCode::CREATED);
    keyed
        .post_json("/api/v1/tags", &json!({"name": "Beta"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused");
    // Another route is another request too.
    keyed
        .post_json("/api/v1/contacts", &json!({"displayName": "Alpha"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused");
    let tags: Value = alice.get("/api/v1/tags").await.ok_json(StatusCode::OK);
    let names: Vec<&str> = tags["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Alpha") && !names.contains(&"Beta"),
        "{names:?}"
    );
    let count: Value = alice
        .get("/api/v1/contacts/count")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(count["count"], 0);
}

#[tokio::test]
async fn keys_are_per_user() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let body = json!({"displayName": "Ada"});
    let alice = app
        .as_user(TestApp::new_user())
        .header("idempotency-key", "same");
    let bob = app
        .as_user(TestApp::new_user())
        .header("idempotency-key", "same");
    let a: Value = alice
        .post_json("/api/v1/contacts", &body)
        .await
        .ok_json(StatusCode::CREATED);
    let b: Value = bob
        .post_json("/api/v1/contacts", &body)
        .await
        .ok_json(StatusCode::CREATED);
    assert_ne!(a["id"], b["id"]);
    bob.get(&format!("/api/v1/contacts/{}", a["id"].as_str().unwrap()))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_refused_first_attempt_is_not_replayed_and_bad_keys_are_400() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user());
    let ada: Value = alice
        .post_json(
            "/api/v1/contacts",
            &json!({"displayName": "Ada", "primaryEmail": "ada@example.com"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let keyed = alice.clone().header("idempotency-key", "retry-me");
    let twin = json!({"displayName": "Ada again", "primaryEmail": "ada@example.com"});
    keyed
        .post_json("/api/v1/contacts", &twin)
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    // The conflict is gone; the retry runs (an error answer is never replayed).
    alice
        .delete(&format!("/api/v1/contacts/{}", ada["id"].as_str().unwrap()))
        .await
        .expect(StatusCode::NO_CONTENT);
    keyed
        .post_json("/api/v1/contacts", &twin)
        .await
        .expect(StatusCode::CREATED);

    for bad in ["has space", &"k".repeat(256)] {
        alice
            .clone()
            .header("idempotency-key", bad)
            .post_json("/api/v1/tags", &json!({"name": "X"}))
            .await
            .problem(StatusCode::BAD_REQUEST, "malformed_request");
    }
}
