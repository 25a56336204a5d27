//! Every operation's body limit, as its OpenAPI operation declares it (`x-body-limit`):
//! one byte over is 413 `payload_too_large` before the body is read, and a body at the
//! limit is not refused for its size.

use std::time::Duration;

use omnicrm_domain::UserId;
use omnicrm_testkit::{TestApp, TestDb};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Operation, operations};

/// `{}` padded with spaces to exactly `len` bytes: valid JSON of that size.
fn padded_json(len: usize) -> Vec<u8> {
    let mut body = b"{}".to_vec();
    body.resize(len, b' ');
    body
}

/// Sends `op` with a JSON body of `len` bytes over a raw connection, with its
/// `Content-Length` declared or (`chunked`) not, writing the body in the background, and
/// returns status and body of the answer as soon as it comes (a client library may fail to
/// read an answer sent before it finished sending).
async fn send_raw(
    app: &TestApp,
    user: UserId,
    op: &Operation,
    len: usize,
    chunked: bool,
) -> (u16, Value) {
    send_body(app, user, op, "application/json", padded_json(len), chunked).await
}

/// Sends `op` with `body` under `content_type` over a raw connection (see [`send_raw`]).
async fn send_body(
    app: &TestApp,
    user: UserId,
    op: &Operation,
    content_type: &str,
    body: Vec<u8>,
    chunked: bool,
) -> (u16, Value) {
    let len = body.len();
    let addr = app.base_url.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let head = format!(
        "{} {} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
         Content-Type: {content_type}\r\n{framing}\r\nConnection: close\r\n\r\n",
        op.method,
        op.path(),
        TestApp::token(user),
        framing = if chunked {
            "Transfer-Encoding: chunked".to_owned()
        } else {
            format!("Content-Length: {len}")
        },
    );
    write.write_all(head.as_bytes()).await.unwrap();
    let writer = tokio::spawn(async move {
        for chunk in body.chunks(16 * 1024) {
            let framed = if chunked {
                let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                framed.extend_from_slice(chunk);
                framed.extend_from_slice(b"\r\n");
                framed
            } else {
                chunk.to_vec()
            };
            if write.write_all(&framed).await.is_err() {
                break;
            }
        }
        if chunked {
            let _ = write.write_all(b"0\r\n\r\n").await;
        }
        write
    });
    let mut response = Vec::new();
    let mut buf = vec![0_u8; 64 * 1024];
    let reading = async {
        loop {
            if let Some(end) = find(&response, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&response[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if response.len() >= end + 4 + length {
                    break;
                }
            }
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => response.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), reading)
        .await
        .unwrap_or_else(|_| panic!("{op}: no answer"));
    writer.abort();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "{op}: no status in {:?}",
                text.chars().take(200).collect::<String>()
            )
        });
    let body = text
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, body)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_byte_over_any_operations_limit_is_413_and_at_the_limit_is_not() {
    let db = TestDb::new().await.unwrap();
    // Google configured (it is never reached: no route here gets that far), so its routes
    // answer rather than 503 `integration_not_configured`.
    let options = omnicrm_testkit::TestAppOptions {
        google: omnicrm_testkit::TestGoogle {
            client_id: Some("client".to_owned()),
            client_secret: Some("secret".to_owned()),
            oauth_base: Some("http://127.0.0.1:9".to_owned()),
            api_base: Some("http://127.0.0.1:9".to_owned()),
            app_url: None,
            sync: None,
        },
        // Likewise the AI provider: the assistant's routes answer instead of 503, and it is
        // the embedder, so a backfill is queued rather than refused.
        ai: omnicrm_testkit::TestAi {
            base_url: Some("http://127.0.0.1:9".to_owned()),
            api_key: Some("key".to_owned()),
            embed_dimensions: Some(8),
            ..omnicrm_testkit::TestAi::default()
        },
        ..omnicrm_testkit::TestAppOptions::default()
    };
    let app = TestApp::spawn_with(&db, options).await;
    let user = TestApp::new_user();
    for op in operations() {
        let (status, problem) = send_raw(&app, user, &op, op.body_limit + 1, false).await;
        assert_eq!(status, 413, "{op}: {problem}");
        assert_eq!(problem["code"], "payload_too_large", "{op}: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or("")
                .contains(&op.body_limit.to_string()),
            "{op}: {problem}"
        );

        let (status, answer) = send_raw(&app, user, &op, op.body_limit, false).await;
        assert!(
            status != 413 && status < 500,
            "{op}: a body at the limit got {status}: {answer}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undeclared_length_is_cut_off_at_the_limit() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let user = TestApp::new_user();
    let readers: Vec<Operation> = operations()
        .into_iter()
        .filter(|op| op.has_body && !op.multipart)
        .collect();
    assert!(readers.len() > 20, "{}", readers.len());
    // Uploads: `files::oversized_uploads_are_413_without_reading_them_whole` streams them.
    for op in readers {
        let (status, problem) = send_raw(&app, user, &op, op.body_limit + 1, true).await;
        assert_eq!(status, 413, "{op}: {problem}");
        assert_eq!(problem["code"], "payload_too_large", "{op}: {problem}");
        let detail = problem["detail"].as_str().unwrap_or("");
        assert!(
            detail.contains(&op.body_limit.to_string()),
            "{op}: {detail}"
        );
    }
}

/// A multipart body of exactly `len` bytes whose `file` part has `file_bytes` bytes (plus a
/// `token` field for the public form; for the voice capture an `audio` part and a
/// `transcription`), padded with a preamble, which multipart parsers skip.
fn multipart_of(len: usize, file_bytes: usize, with_token: bool, voice: bool) -> Vec<u8> {
    const BOUNDARY: &str = "limits-boundary";
    let mut parts = Vec::new();
    if with_token {
        parts.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nunknown-token\r\n"
            )
            .as_bytes(),
        );
    }
    if voice {
        parts.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"transcription\"\r\n\r\nx\r\n"
            )
            .as_bytes(),
        );
    }
    let field = if voice { "audio" } else { "file" };
    parts.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"a.bin\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    parts.resize(parts.len() + file_bytes, 0xAB);
    parts.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    assert!(
        parts.len() <= len,
        "framing does not fit: {} > {len}",
        parts.len()
    );
    let mut body = Vec::with_capacity(len);
    while body.len() + 64 < len - parts.len() {
        body.extend_from_slice(&[b'p'; 62]);
        body.extend_from_slice(b"\r\n");
    }
    body.resize(len - parts.len() - 2, b'p');
    body.extend_from_slice(b"\r\n");
    body.extend_from_slice(&parts);
    assert_eq!(body.len(), len);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_at_the_body_limit_with_a_file_at_its_limit_is_not_refused_for_size() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let user = TestApp::new_user();
    let uploads: Vec<Operation> = operations().into_iter().filter(|op| op.multipart).collect();
    assert_eq!(uploads.len(), 5, "{uploads:?}");
    for op in uploads {
        let file_bytes = op.body_limit - 64 * 1024;
        let public = op.rate_class == "public";
        let voice = op.template == "/api/v1/omni-momentum/inbox/voice";
        let body = multipart_of(op.body_limit, file_bytes, public, voice);
        let (status, answer) = send_body(
            &app,
            user,
            &op,
            "multipart/form-data; boundary=limits-boundary",
            body,
            false,
        )
        .await;
        // Read whole, then refused for what the bytes are (not an image, not a CSV) or
        // whom they are for (no such contact or link): never for size, never as unreadable.
        let refused_for_content = if op.template == "/api/v1/contacts/import" {
            status == 400 && answer["code"] == "validation_failed"
        } else {
            matches!(status, 404 | 415)
        };
        assert!(
            refused_for_content,
            "{op}: a body at the limit got {status}: {answer}"
        );
    }
}
