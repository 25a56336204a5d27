//! `POST /inbox/voice`: the recording is a stored object of the inbox area, the client's
//! transcription the item's text (with suggestions as for typed captures). Only audio
//! whose bytes say so (WebM, Ogg, MP3, M4A, WAV), at most 10 MiB and 3600 s; the bytes
//! count against the storage quota, the sweep keeps them while their item exists, the
//! export carries them, erasure and deleting the item remove them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use super::INBOX;
use crate::common::fair_share::stalled_request;
use crate::common::user_data::{ERASE, confirmation, export};
use crate::common::{Ctx, setup};
use omnicrm_domain::UserId;
use omnicrm_testkit::{TEST_CRON_SECRET, TestApp, TestAppOptions, TestDb, TestResponse};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::{Timestamp, Uuid};

const BOUNDARY: &str = "voice-capture-boundary-3kq";
const VOICE: &str = "/api/v1/omni-momentum/inbox/voice";

/// A WAV file of `len` bytes (header, then silence).
pub(crate) fn wav(len: usize) -> Vec<u8> {
    let mut bytes = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
    bytes.resize(len.max(16), 0);
    bytes
}

fn webm() -> Vec<u8> {
    let mut bytes = vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01];
    bytes.extend_from_slice(b"\x42\x82\x84webm");
    bytes.resize(300, 0);
    bytes
}

fn ogg() -> Vec<u8> {
    let mut bytes = b"OggS\0\x02".to_vec();
    bytes.resize(300, 0);
    bytes
}

fn mp3() -> Vec<u8> {
    let mut bytes = b"ID3\x04\0\0\0\0\0\0".to_vec();
    bytes.resize(300, 0);
    bytes
}

fn m4a() -> Vec<u8> {
    let mut bytes = b"\0\0\0\x20ftypM4A \0\0\0\0M4A mp42isom".to_vec();
    bytes.resize(300, 0);
    bytes
}

/// The form: `(name, value)` text fields and the `audio` part.
fn form(audio: Option<&[u8]>, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(audio) = audio {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"audio\"; \
                 filename=\"memo.bin\"\r\nContent-Type: audio/webm\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(audio);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post_voice(app: &TestApp, user: UserId, body: Vec<u8>) -> TestResponse {
    app.as_user(user)
        .send_bytes(
            Method::POST,
            VOICE,
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            body,
        )
        .await
}

/// Captures `audio` with `text`; the item.
async fn capture_voice(app: &TestApp, user: UserId, audio: &[u8], text: &str) -> Value {
    post_voice(app, user, form(Some(audio), &[("transcription", text)]))
        .await
        .ok_json(StatusCode::CREATED)
}

fn key_of(item: &Value) -> String {
    item["voice"]["objectKey"].as_str().unwrap().to_owned()
}

fn file(ctx: &Ctx, key: &str) -> PathBuf {
    ctx.app.files_dir.path().join(key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_capture_stores_the_audio_and_its_transcription_is_the_text() {
    let ctx = setup().await;
    let (alice_id, bob_id) = (TestApp::new_user(), TestApp::new_user());
    let alice = ctx.app.as_user(alice_id);
    let audio = wav(4_000);
    let res = post_voice(
        &ctx.app,
        alice_id,
        form(
            Some(&audio),
            &[
                ("transcription", "Call Ana tomorrow, urgent"),
                ("durationSeconds", "12.5"),
            ],
        ),
    )
    .await;
    let location = res.header("location").unwrap().to_owned();
    let item = res.ok_json(StatusCode::CREATED);
    assert_eq!(item["rawText"], "Call Ana tomorrow, urgent");
    assert_eq!(item["source"], "voice");
    assert_eq!(item["status"], "unprocessed");
    assert_eq!(item["voice"]["contentType"], "audio/wav");
    assert_eq!(item["voice"]["sizeBytes"], 4_000);
    assert_eq!(item["voice"]["durationSeconds"], 12.5);
    let key = key_of(&item);
    assert!(key.starts_with(&format!("{alice_id}/inbox/")), "{key}");
    assert!(key.ends_with(".wav"), "{key}");
    assert_eq!(std::fs::read(file(&ctx, &key)).unwrap(), audio);
    // Suggestions apply as for typed captures.
    let suggested = &item["suggestion"]["tasks"][0];
    assert_eq!(suggested["priority"], "high");
    assert!(suggested["dueDate"].is_string(), "{suggested}");
    assert_eq!(
        location,
        format!("{INBOX}/{}", item["id"].as_str().unwrap())
    );
    assert_eq!(alice.get(&location).await.ok_json(StatusCode::OK), item);

    // The owner downloads the recording; anyone else gets 404.
    let audio_path = format!("{location}/audio");
    let res = alice.get(&audio_path).await.expect(StatusCode::OK);
    assert_eq!(res.bytes(), &audio[..]);
    assert_eq!(res.header("content-type"), Some("audio/wav"));
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert!(
        res.header("content-disposition")
            .unwrap()
            .starts_with("attachment")
    );
    ctx.app
        .as_user(bob_id)
        .get(&audio_path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    // A typed capture has no recording.
    let typed = super::capture(&alice, "typed").await;
    alice
        .get(&format!("{}/audio", super::item_path(&typed)))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");

    // Every accepted container is recognised by its bytes, whatever the part declares.
    for (bytes, mime, ext) in [
        (webm(), "audio/webm", "webm"),
        (ogg(), "audio/ogg", "ogg"),
        (mp3(), "audio/mpeg", "mp3"),
        (m4a(), "audio/mp4", "m4a"),
    ] {
        let item = capture_voice(&ctx.app, alice_id, &bytes, "x").await;
        assert_eq!(item["voice"]["contentType"], mime);
        assert!(key_of(&item).ends_with(&format!(".{ext}")));
    }

    // Deleting the item deletes the recording.
    alice.delete(&location).await.expect(StatusCode::NO_CONTENT);
    assert!(
        !file(&ctx, &key).exists(),
        "the recording went with its item"
    );
    // So does a bulk delete.
    let item = capture_voice(&ctx.app, alice_id, &wav(100), "bulk").await;
    let bulk = alice
        .post_json(
            &format!("{INBOX}/bulk"),
            &json!({"itemIds": [item["id"]], "action": "delete"}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(bulk["results"][0]["outcome"], "deleted");
    assert!(!file(&ctx, &key_of(&item)).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_voice_captures_are_4xx_and_store_nothing() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let long = "x".repeat(10_001);
    let cases: Vec<(Vec<u8>, StatusCode, &str, Option<&str>)> = vec![
        // Not audio, whatever it is called.
        (
            form(Some(b"<html>hi</html>"), &[("transcription", "x")]),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            None,
        ),
        (
            form(Some(b"%PDF-1.4 not audio"), &[("transcription", "x")]),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            None,
        ),
        (
            form(None, &[("transcription", "x")]),
            StatusCode::BAD_REQUEST,
            "validation_failed",
            Some("/audio"),
        ),
        (
            form(Some(&wav(100)), &[]),
            StatusCode::BAD_REQUEST,
            "validation_failed",
            Some("/transcription"),
        ),
        (
            form(Some(&wav(100)), &[("transcription", "   ")]),
            StatusCode::BAD_REQUEST,
            "validation_failed",
            Some("/transcription"),
        ),
        (
            form(Some(&wav(100)), &[("transcription", &long)]),
            StatusCode::BAD_REQUEST,
            "validation_failed",
            Some("/transcription"),
        ),
        (
            form(
                Some(&wav(100)),
                &[("transcription", "x"), ("durationSeconds", "3601")],
            ),
            StatusCode::BAD_REQUEST,
            "validation_failed",
            Some("/durationSeconds"),
        ),
        (
            form(
                Some(&wav(100)),
                &[("transcription", "x"), ("durationSeconds", "0")],
            ),
            StatusCode::BAD_REQUEST,
            "validation_failed",
            Some("/durationSeconds"),
        ),
        (
            form(
                Some(&wav(100)),
                &[("transcription", "x"), ("durationSeconds", "NaN")],
            ),
            StatusCode::BAD_REQUEST,
            "validation_failed",
            Some("/durationSeconds"),
        ),
        // A duration the recording's size cannot hold: 1 KiB for an hour (under 2 kbit/s),
        // or 5 MiB for a second (over 2 MiB/s plus room for metadata).
        (
            form(
                Some(&wav(1024)),
                &[("transcription", "x"), ("durationSeconds", "3600")],
            ),
            StatusCode::BAD_REQUEST,
            "validation_failed",
            Some("/durationSeconds"),
        ),
        (
            form(
                Some(&wav(5 * 1024 * 1024)),
                &[("transcription", "x"), ("durationSeconds", "1")],
            ),
            StatusCode::BAD_REQUEST,
            "validation_failed",
            Some("/durationSeconds"),
        ),
        (
            form(Some(&wav(100)), &[("transcription", "x"), ("other", "1")]),
            StatusCode::BAD_REQUEST,
            "malformed_request",
            None,
        ),
        // One byte over 10 MiB: refused while streaming.
        (
            form(Some(&wav(10 * 1024 * 1024 + 1)), &[("transcription", "x")]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            None,
        ),
    ];
    for (body, status, code, pointer) in cases {
        let res = post_voice(&ctx.app, user, body).await;
        let problem = res.problem(status, code);
        if let Some(pointer) = pointer {
            assert_eq!(omnicrm_testkit::pointers(&problem), [pointer], "{problem}");
        }
    }
    let list = ctx
        .app
        .as_user(user)
        .get(INBOX)
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(list["pagination"]["total"], 0);
    assert!(!ctx.app.files_dir.path().join(user.to_string()).exists());

    // A declared oversize body is refused before it is read: the answer comes although
    // the body never does.
    let head = format!(
        "POST {VOICE} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: 50000000\r\n\r\n--{BOUNDARY}\r\n",
        TestApp::token(user)
    );
    let mut stalled = stalled_request(&ctx.app, head).await;
    let line = tokio::time::timeout(Duration::from_secs(10), status_line(&mut stalled))
        .await
        .expect("answered without the body");
    assert!(line.contains(" 413"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_count_against_the_storage_quota() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            storage_quota_bytes: 100_000,
            ..TestAppOptions::default()
        },
    )
    .await;
    let user = TestApp::new_user();
    capture_voice(&app, user, &wav(60_000), "first").await;
    post_voice(
        &app,
        user,
        form(Some(&wav(60_000)), &[("transcription", "second")]),
    )
    .await
    .problem(StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded");
    // The recording counts for the other uploads too.
    let as_user = app.as_user(user);
    let contact = crate::common::fair_share::contact(&as_user).await;
    let res = crate::common::fair_share::upload(
        &app,
        user,
        &contact,
        &crate::common::fair_share::pdf(50_000),
    )
    .await;
    res.problem(StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_are_exported_kept_by_the_sweep_and_erased() {
    let ctx = setup().await;
    let (alice_id, bob_id) = (TestApp::new_user(), TestApp::new_user());
    let alice = ctx.app.as_user(alice_id);
    let item = capture_voice(&ctx.app, alice_id, &wav(500), "Alice's memo").await;
    let key = key_of(&item);
    let bobs = key_of(&capture_voice(&ctx.app, bob_id, &wav(300), "Bob's memo").await);

    // The export carries the recording.
    let archive = export(&alice).await;
    assert_eq!(archive.get(&format!("files/{key}")), Some(&wav(500)));

    // The sweep keeps an old recording whose item exists and removes an old orphan.
    let aged = |age_hours: u64| {
        let secs = time::OffsetDateTime::now_utc().unix_timestamp() as u64 - age_hours * 3600;
        let id = Uuid::new_v7(Timestamp::from_unix(uuid::NoContext, secs, 0));
        let key = format!("{alice_id}/inbox/{id}.wav");
        let path = file(&ctx, &key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, wav(64)).unwrap();
        key
    };
    let (kept, orphan) = (aged(48), aged(48));
    let details = json!({"source": "voice", "voice": {"fileId": Uuid::now_v7(),
        "objectKey": kept, "contentType": "audio/wav", "sizeBytes": 64}});
    ctx.db
        .owner()
        .await
        .unwrap()
        .execute(
            "INSERT INTO inbox_items (user_id, id, raw_text, status, details)
             VALUES ($1, gen_random_uuid(), 'old memo', 'unprocessed', $2)",
            &[&alice_id.into_uuid(), &details],
        )
        .await
        .unwrap();
    ctx.app
        .db
        .unscoped(|conn| {
            use futures_util::FutureExt;
            async move {
                omnicrm_jobs::enqueue(
                    conn,
                    &omnicrm_services::job_kinds::StorageSweep { grace_hours: 24 },
                    &omnicrm_jobs::EnqueueOptions::default(),
                )
                .await
                .map(drop)
                .map_err(omnicrm_problem::AppError::from)
            }
            .boxed()
        })
        .await
        .unwrap();
    let res = ctx
        .app
        .with_bearer(TEST_CRON_SECRET)
        .post("/api/v1/cron/process-jobs")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(res["succeeded"], 1);
    assert!(file(&ctx, &kept).exists(), "a referenced recording stays");
    assert!(!file(&ctx, &orphan).exists(), "an old orphan is swept");
    assert!(file(&ctx, &key).exists());

    // Erasure removes Alice's recordings, not Bob's.
    alice
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await
        .expect(StatusCode::OK);
    assert!(!file(&ctx, &key).exists() && !file(&ctx, &kept).exists());
    assert!(file(&ctx, &bobs).exists());
}

async fn status_line(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut head = Vec::new();
    let mut buf = [0_u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}
