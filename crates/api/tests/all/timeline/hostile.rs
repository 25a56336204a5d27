//! Hostile raw events: deep MIME nesting, huge headers, oversized or broken payloads. Each
//! fails or is cut alone, with a code and no personal text; its neighbours import.

use omnicrm_testkit::TestApp;
use serde_json::{Value, json};

use crate::common::setup;
use crate::common::timeline::{
    ME, connect_google, gmail_message, leaf, normalise, open_run, rows, store_raw,
};

fn nested(depth: usize) -> Value {
    let mut part = leaf("x", "text/plain; charset=UTF-8", &[], b"deep inside");
    for _ in 0..depth {
        part = json!({
            "mimeType": "multipart/mixed",
            "filename": "",
            "headers": [],
            "body": { "size": 0 },
            "parts": [part]
        });
    }
    part
}

/// Pseudo-random base64url text (incompressible, so its stored size stays large).
fn noise(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(ALPHABET[(x % 64) as usize])
        })
        .collect()
}

#[tokio::test]
async fn hostile_messages_fail_or_are_cut_alone_and_the_rest_imports() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    connect_google(&ctx, user).await;
    let run = open_run(&ctx, user, "gmail").await;
    let plain = |id: &str, headers: &[(&str, &str)]| {
        gmail_message(
            id,
            &["INBOX"],
            headers,
            leaf("", "text/plain; charset=UTF-8", &[], b"ok"),
        )
    };

    // Nested 60 levels: walked to the depth bound only (no body), still imported.
    store_raw(
        &ctx,
        user,
        "gmail",
        "m-deep",
        run,
        &gmail_message(
            "m-deep",
            &["INBOX"],
            &[("From", "a@example.org"), ("Subject", "deep")],
            nested(60),
        ),
    )
    .await;
    // Nested beyond what a JSON reader accepts: failed.
    store_raw(
        &ctx,
        user,
        "gmail",
        "m-deeper",
        run,
        &gmail_message(
            "m-deeper",
            &["INBOX"],
            &[("From", "a@example.org")],
            nested(400),
        ),
    )
    .await;
    // Huge headers: a 1 MB subject, 20,000 recipients, 5,000 extra headers.
    let subject = "=?UTF-8?B?".to_owned() + &"QUJD".repeat(250_000) + "?=";
    let recipients = (0..20_000)
        .map(|i| format!("p{i}@example.org"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut headers: Vec<(String, String)> = vec![
        ("From".into(), "b@example.org".into()),
        ("To".into(), recipients),
        ("Subject".into(), subject),
    ];
    headers.extend((0..5_000).map(|i| (format!("X-Filler-{i}"), "=?".repeat(50))));
    let borrowed: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    store_raw(
        &ctx,
        user,
        "gmail",
        "m-huge",
        run,
        &plain("m-huge", &borrowed),
    )
    .await;
    // Larger than the stored-size bound: never read.
    let mut big = plain("m-big", &[("From", "c@example.org")]);
    big["payload"]["body"]["data"] = json!(noise(5 * 1024 * 1024));
    store_raw(&ctx, user, "gmail", "m-big", run, &big).await;
    // Not a message at all.
    store_raw(&ctx, user, "gmail", "m-array", run, &json!([1, 2, 3])).await;
    store_raw(
        &ctx,
        user,
        "gmail",
        "m-nopayload",
        run,
        &json!({ "id": "m-nopayload" }),
    )
    .await;
    // Broken base64 and a bogus charset: imported without a body.
    let mut broken = plain("m-broken", &[("From", "d@example.org"), ("To", ME)]);
    broken["payload"]["body"]["data"] = json!("***not base64***");
    store_raw(&ctx, user, "gmail", "m-broken", run, &broken).await;
    store_raw(
        &ctx,
        user,
        "gmail",
        "m-fine",
        run,
        &plain("m-fine", &[("From", "e@example.org")]),
    )
    .await;

    normalise(&ctx, user, run).await;

    let raw = rows(
        &ctx,
        "SELECT source_id, processing_status, processing_error FROM raw_events ORDER BY source_id",
    )
    .await;
    assert_eq!(
        raw,
        vec![
            json!({ "source_id": "m-array", "processing_status": "failed", "processing_error": "malformed_payload" }),
            json!({ "source_id": "m-big", "processing_status": "failed", "processing_error": "payload_too_large" }),
            json!({ "source_id": "m-broken", "processing_status": "completed", "processing_error": null }),
            json!({ "source_id": "m-deep", "processing_status": "completed", "processing_error": null }),
            json!({ "source_id": "m-deeper", "processing_status": "failed", "processing_error": "malformed_payload" }),
            json!({ "source_id": "m-fine", "processing_status": "completed", "processing_error": null }),
            json!({ "source_id": "m-huge", "processing_status": "completed", "processing_error": null }),
            json!({ "source_id": "m-nopayload", "processing_status": "failed", "processing_error": "missing_payload" }),
        ]
    );
    let huge = rows(
        &ctx,
        "SELECT length(subject) <= 2000 AS cut, jsonb_array_length(source_meta -> 'to') AS recipients
         FROM interactions WHERE source_id = 'm-huge'",
    )
    .await;
    assert_eq!(huge, vec![json!({ "cut": true, "recipients": 100 })]);
    let deep = rows(
        &ctx,
        "SELECT body_text FROM interactions WHERE source_id = 'm-deep'",
    )
    .await;
    assert_eq!(deep, vec![json!({ "body_text": null })]);
    let ledger = rows(
        &ctx,
        "SELECT imported, failed, skipped FROM google_sync_runs",
    )
    .await;
    assert_eq!(
        ledger,
        vec![json!({ "imported": 4, "failed": 4, "skipped": {} })]
    );
}
