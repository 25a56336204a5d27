//! `POST /api/v1/notes`: redaction of what is stored and answered, rich content, validation, and hostile content refused or redacted without harm.

use crate::common::notes::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// What a user typed: none of it may ever come back or reach the database.
const SECRETS: &[&str] = &[
    "ann.lee@example.com",
    "(555) 123-4567",
    "+44 20 7946 0958",
    "123-45-6789",
    "4111 1111 1111 1111",
    "192.168.10.20",
    "42 Elm Street",
    "555-",
    "987-6543",
];

fn assert_no_secrets(text: &str) {
    // Ids are random hex, so a fragment such as "555-" can occur inside one by chance
    // (about once in a few hundred notes): look for secrets everywhere but in ids.
    let without_ids = text
        .split('"')
        .filter(|part| uuid::Uuid::parse_str(part).is_err())
        .collect::<Vec<_>>()
        .join("\"");
    for secret in SECRETS {
        assert!(
            !without_ids.contains(secret),
            "{secret:?} leaked into {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_note_is_redacted_in_the_answer_and_in_the_database() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact_id = contact(&as_user, "Ann Lee").await;
    let plain = "Email ann.lee@example.com, call (555) 123-4567 or +44 20 7946 0958. \
                 SSN 123-45-6789, seen from 192.168.10.20. Session on 2024-01-15 at 10:30 cost $120.";
    let res = as_user
        .post_json(
            "/api/v1/notes",
            &json!({
                "contactId": contact_id,
                "contentPlain": plain,
                "contentRich": rich_doc(),
                "sourceType": "voice",
            }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let note: Value = res.json();
    assert_eq!(
        location,
        format!("/api/v1/notes/{}", note["id"].as_str().unwrap())
    );
    assert_eq!(note["contactId"], contact_id.as_str());
    assert_eq!(note["sourceType"], "voice");
    assert_eq!(
        note["contentPlain"],
        "Email [EMAIL], call [PHONE] or [PHONE]. SSN [SSN], seen from [IP_ADDRESS]. \
         Session on 2024-01-15 at 10:30 cost $120."
    );
    // Entities: type and offsets into what was typed, a redacted flag, never the value.
    let entities = note["piiEntities"].as_array().unwrap();
    let kinds: Vec<&str> = entities
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["email", "phone", "phone", "ssn", "ip_address"]);
    let typed: Vec<char> = plain.chars().collect();
    let first = &entities[0];
    let (start, end) = (
        first["start"].as_u64().unwrap() as usize,
        first["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(
        typed[start..end].iter().collect::<String>(),
        "ann.lee@example.com"
    );
    assert!(entities.iter().all(|e| e["redacted"] == true));
    assert!(entities.iter().all(|e| e.as_object().unwrap().len() == 4));

    // The rich document is redacted too: text split over marks, and the mailto link.
    let para = &note["contentRich"]["content"][0]["content"];
    assert_eq!(para[1]["text"], "[EMAIL]");
    assert_eq!(para[1]["marks"][0]["attrs"]["href"], "mailto:[EMAIL]");
    assert_eq!(para[2]["text"], " or [PHONE]");
    assert_eq!(
        note["contentRich"]["content"][1]["content"][0]["text"],
        "Lives at [ADDRESS]; card [CREDIT_CARD]."
    );
    assert_no_secrets(&note.to_string());

    // What the database holds, read as the owner (no RLS, no API in between).
    let stored = sql_text(
        &ctx,
        "SELECT content_plain || content_rich::text || pii_entities::text FROM notes",
    )
    .await;
    assert_no_secrets(&stored);
    assert!(stored.contains("[SSN]"));

    let fetched = as_user.get(&location).await.ok_json(StatusCode::OK);
    assert_eq!(fetched, note);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rich_content_alone_gives_the_plain_text() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact_id = contact(&as_user, "Ann").await;
    let note = create_note(
        &as_user,
        json!({"contactId": contact_id, "contentRich": rich_doc()}),
    )
    .await;
    assert_eq!(
        note["contentPlain"],
        "Reach her at [EMAIL] or [PHONE].\nLives at [ADDRESS]; card [CREDIT_CARD]."
    );
    assert_eq!(note["sourceType"], "typed");
    let kinds: Vec<&str> = note["piiEntities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["email", "phone", "address", "credit_card"]);
    assert_no_secrets(&note.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_bodies_answer_problems_with_pointers() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let ann = contact(&as_user, "Ann").await;
    let cases = [
        (
            json!({"contactId": Uuid::nil(), "contentPlain": "x"}),
            vec!["/contactId"],
        ),
        (json!({"contentPlain": "x"}), vec!["/contactId"]),
        (
            json!({"contactId": "nope", "contentPlain": "x"}),
            vec!["/contactId"],
        ),
        (
            json!({"contactId": Uuid::now_v7(), "contentPlain": "x"}),
            vec!["/contactId"],
        ),
        (json!({"contactId": ann}), vec!["/contentPlain"]),
        (
            json!({"contactId": ann, "contentPlain": "  "}),
            vec!["/contentPlain"],
        ),
        (
            json!({"contactId": ann, "contentPlain": "x", "contentRich": [1]}),
            vec!["/contentRich"],
        ),
        (
            json!({"contactId": ann, "contentPlain": "x", "sourceType": "fax"}),
            vec!["/sourceType"],
        ),
        (
            json!({"contactId": ann, "contentPlain": "x", "goalIds": ["nope"]}),
            vec!["/goalIds/0"],
        ),
        (
            json!({"contactId": ann, "contentPlain": "x", "tagIds": vec![Uuid::now_v7(); 51]}),
            vec!["/tagIds"],
        ),
        (
            json!({"contactId": ann, "contentPlain": "x", "tagIds": [Uuid::now_v7()],
                   "goalIds": [Uuid::now_v7()]}),
            vec!["/tagIds/0", "/goalIds/0"],
        ),
        (
            json!({"contactId": ann, "contentPlain": "x".repeat(100_001)}),
            vec!["/contentPlain"],
        ),
    ];
    for (body, expected) in cases {
        let res = as_user.post_json("/api/v1/notes", &body.clone()).await;
        let problem_body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
        let mut got = pointers(&problem_body);
        got.dedup();
        assert_eq!(got, expected, "{body}");
    }
    as_user
        .post_json(
            "/api/v1/notes",
            &json!({"contactId": ann, "contentPlain": "x", "goalId": []}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    let none = as_user.get("/api/v1/notes").await.ok_json(StatusCode::OK);
    assert_eq!(none["pagination"]["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_or_deeply_nested_rich_content_is_refused_without_harm() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let ann = contact(&as_user, "Ann").await;
    let nested = |levels: usize| {
        let mut node = json!({"type": "text", "text": "deep"});
        for _ in 0..levels {
            node = json!({"type": "blockquote", "content": [node]});
        }
        node
    };

    // Deeper than the document limit (but within JSON's): 400 at /contentRich.
    let body = as_user
        .post_json(
            "/api/v1/notes",
            &json!({"contactId": ann, "contentRich": nested(30)}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/contentRich"]);

    // Deeper than the JSON parser accepts at all: 400 malformed, sent as raw text.
    let mut raw = String::from(r#"{"contactId":""#);
    raw.push_str(&ann);
    raw.push_str(r#"","contentRich":"#);
    raw.push_str(&"{\"content\":[".repeat(5_000));
    raw.push_str(&"]}".repeat(5_000));
    raw.push('}');
    let res = as_user
        .send_bytes(Method::POST, "/api/v1/notes", "application/json", raw)
        .await;
    res.problem(StatusCode::BAD_REQUEST, "malformed_request");

    // A document over 200 KiB (the body itself is under the 256 KiB body limit): 413.
    let big_doc = json!({"type": "doc", "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "calm ".repeat(42_000)}]}]});
    as_user
        .post_json(
            "/api/v1/notes",
            &json!({"contactId": ann, "contentRich": big_doc}),
        )
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    // A body over the body limit: 413 as well.
    as_user
        .post_json(
            "/api/v1/notes",
            &json!({"contactId": ann, "contentPlain": "x".repeat(300_000)}),
        )
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    // The same limits hold on PATCH, and the server keeps serving.
    let note = create_note(&as_user, json!({"contactId": ann, "contentPlain": "fine"})).await;
    let path = format!("/api/v1/notes/{}", note["id"].as_str().unwrap());
    let body = as_user
        .patch_json(&path, &json!({"contentRich": nested(40)}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/contentRich"]);
    let ok = create_note(
        &as_user,
        json!({"contactId": ann, "contentRich": nested(10)}),
    )
    .await;
    assert_eq!(ok["contentPlain"], "deep");
    assert_eq!(
        as_user.get(&path).await.ok_json(StatusCode::OK)["contentPlain"],
        "fine"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_kb_hostile_note_is_redacted_within_seconds() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let ann = contact(&as_user, "Ann").await;
    // `00` digit groups made the old international phone pattern cubic (minutes of CPU);
    // the rich document holds thousands of text nodes, each with PII.
    let plain = "001 ".repeat(25_000);
    let nodes: Vec<Value> = (0..2_000)
        .map(|_| json!({"type": "text", "text": "a@b.co 001 "}))
        .collect();
    let rich = json!({"type": "doc", "content": [{"type": "paragraph", "content": nodes}]});
    let started = std::time::Instant::now();
    let res = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        as_user.post_json(
            "/api/v1/notes",
            &json!({"contactId": ann, "contentPlain": plain, "contentRich": rich}),
        ),
    )
    .await
    .expect("a 100 KB note answers within 10 s");
    assert_eq!(res.status(), StatusCode::CREATED, "{:?}", started.elapsed());
    let note: Value = res.json();
    let text = note["contentPlain"].as_str().unwrap();
    assert!(text.starts_with("[PHONE] [PHONE]"), "{}", &text[..40]);
    assert!(!text.contains("001 001 001"));
}
