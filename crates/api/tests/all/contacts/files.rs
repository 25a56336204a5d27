//! `/api/v1/contacts/{id}/files`: documents keep their bytes, bytes decide the type, oversized uploads are 413, and another user reaches none of it.

use crate::common::files::*;
use crate::common::{Ctx, setup};
use image::GenericImageView;
use omnicrm_domain::UserId;
use omnicrm_services::integrations::ObjectKey;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::TestResponse;
use omnicrm_testkit::pointers;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends a raw HTTP/1.1 request to the app, streaming up to `body_bytes` of body (chunked
/// when `content_length` is `None`) while reading the answer; returns the status line and
/// how much body was written before the server answered.
async fn raw_upload(
    ctx: &Ctx,
    user: UserId,
    path: &str,
    content_length: Option<usize>,
    body_bytes: usize,
) -> (String, usize) {
    let addr = ctx.app.base_url.strip_prefix("http://").unwrap().to_owned();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let framing = match content_length {
        Some(len) => format!("Content-Length: {len}\r\n"),
        None => "Transfer-Encoding: chunked\r\n".to_owned(),
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{framing}\r\n",
        TestApp::token(user)
    );
    write.write_all(head.as_bytes()).await.unwrap();
    let writer = tokio::spawn(async move {
        let preamble = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jpg\"\r\n\r\n"
        );
        let chunk = vec![0xAB_u8; 64 * 1024];
        let mut sent = 0;
        let mut first = true;
        while sent < body_bytes {
            let data: Vec<u8> = if first {
                first = false;
                let mut d = preamble.as_bytes().to_vec();
                d.extend_from_slice(&chunk);
                d
            } else {
                chunk.clone()
            };
            let framed = if content_length.is_some() {
                data.clone()
            } else {
                let mut f = format!("{:x}\r\n", data.len()).into_bytes();
                f.extend_from_slice(&data);
                f.extend_from_slice(b"\r\n");
                f
            };
            if write.write_all(&framed).await.is_err() {
                break;
            }
            sent += data.len();
        }
        sent
    });
    let mut response = Vec::new();
    let mut buf = [0_u8; 4096];
    let reading = async {
        while !contains(&response, b"\r\n\r\n") {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => response.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), reading)
        .await
        .expect("the server answers");
    // Once answered, stop the writer: what it sent so far is what the server had to see.
    writer.abort();
    let sent = writer.await.unwrap_or(0);
    let text = String::from_utf8_lossy(&response).into_owned();
    (text.lines().next().unwrap_or_default().to_owned(), sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_keep_their_bytes_and_images_among_them_are_prepared() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = contact_id(&ctx.app.as_user(user), "Client").await;

    let form = upload_document(&ctx, user, &contact, PDF, Some("form"))
        .await
        .ok_json(StatusCode::CREATED);
    assert_eq!(form["fileType"], "form");
    assert_eq!(form["mimeType"], "application/pdf");
    assert_eq!(form["fileSize"].as_u64(), Some(PDF.len() as u64));
    assert!(form["filePath"].as_str().unwrap().ends_with(".pdf"));

    // A PNG named report.pdf and declared application/pdf is handled as the PNG it is.
    let disguised = upload_document(&ctx, user, &contact, &png(1500, 300), None)
        .await
        .ok_json(StatusCode::CREATED);
    assert_eq!(disguised["fileType"], "document");
    assert_eq!(disguised["mimeType"], "image/jpeg");
    let bytes = anonymous_get(&ctx, disguised["url"].as_str().unwrap())
        .await
        .bytes()
        .to_vec();
    assert_eq!(
        image::load_from_memory(&bytes).unwrap().dimensions(),
        (1024, 205)
    );

    // Listing: newest first, offset pagination, kind filter.
    let list = |query: &'static str| {
        let ctx = &ctx;
        let path = format!("/api/v1/contacts/{contact}/files{query}");
        async move {
            let res = ctx.app.as_user(user).get(&path).await;
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<Value>()
        }
    };
    let page = list("?pageSize=1").await;
    assert_eq!(page["items"][0]["id"], disguised["id"]);
    assert_eq!(page["pagination"]["total"], 2);
    assert_eq!(page["pagination"]["hasNext"], true);
    let page2 = list("?pageSize=1&page=2").await;
    assert_eq!(page2["items"][0]["id"], form["id"]);
    assert!(page2["items"][0]["url"].as_str().unwrap().contains("sig="));
    let forms = list("?fileType=form").await;
    assert_eq!(forms["pagination"]["total"], 1);
    assert_eq!(forms["items"][0]["id"], form["id"]);
    let both = list("?fileType=form&fileType=document").await;
    assert_eq!(both["pagination"]["total"], 2);

    for query in ["?pageSize=0", "?fileType=video", "?page=0"] {
        let res = ctx
            .app
            .as_user(user)
            .get(&format!("/api/v1/contacts/{contact}/files{query}"))
            .await;
        res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_decide_the_type_and_bad_forms_are_400() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact = contact_id(&as_user, "Client").await;
    let photo = format!("/api/v1/contacts/{contact}/photo");
    let files = format!("/api/v1/contacts/{contact}/files");
    let html: &[u8] = b"<!doctype html><html><script>alert(document.cookie)</script></html>";

    // HTML named photo.jpg and declared image/jpeg: 415 on both routes.
    for path in [&photo, &files] {
        let res = post_form(
            &ctx,
            user,
            path,
            &[("file", Some("photo.jpg"), Some("image/jpeg"), html)],
        )
        .await;
        res.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    }
    // A PDF is a fine document but not a photo; a PNG that does not decode is no photo.
    let res = post_form(&ctx, user, &photo, &[("file", Some("a.png"), None, PDF)]).await;
    res.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let mut truncated = png(300, 300);
    truncated.truncate(200);
    let res = post_form(&ctx, user, &photo, &[("file", None, None, &truncated)]).await;
    res.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");

    // Form problems.
    let res = post_form(&ctx, user, &photo, &[("picture", None, None, b"x")]).await;
    res.problem(StatusCode::BAD_REQUEST, "malformed_request");
    let res = post_form(&ctx, user, &files, &[("fileType", None, None, b"form")]).await;
    let body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/file"]);
    let res = post_form(&ctx, user, &photo, &[("file", Some("e.png"), None, b"")]).await;
    let body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/file"]);
    for kind in ["photo", "spreadsheet"] {
        let res = upload_document(&ctx, user, &contact, PDF, Some(kind)).await;
        let body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&body), ["/fileType"]);
    }
    let res = as_user
        .post_json(&photo, &serde_json::json!({"file": "x"}))
        .await;
    res.problem(StatusCode::BAD_REQUEST, "malformed_request");

    // Nothing was stored by any of these.
    let list: Value = as_user.get(&files).await.json();
    assert_eq!(list["pagination"]["total"], 0);
    assert!(!ctx.app.files_dir.path().join(user.to_string()).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_uploads_are_413_without_reading_them_whole() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = contact_id(&ctx.app.as_user(user), "Client").await;
    let photo = format!("/api/v1/contacts/{contact}/photo");

    // Declared too large: refused before any body is read.
    let (status, _) = raw_upload(&ctx, user, &photo, Some(64 * 1024 * 1024), 0).await;
    assert!(status.contains(" 413 "), "{status}");

    // Chunked, no declared length: refused once the file passes 10 MiB, long before the
    // 200 MiB the client would send.
    let (status, sent) = raw_upload(&ctx, user, &photo, None, 200 * 1024 * 1024).await;
    assert!(status.contains(" 413 "), "{status}");
    assert!(sent < 100 * 1024 * 1024, "the server read {sent} bytes");

    // The same through an ordinary client with an exact length just over the limit.
    let mut big = png(8, 8);
    big.resize(10 * 1024 * 1024 + 1, 0);
    let res = upload_photo(&ctx, user, &contact, &big).await;
    let body = res.problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert!(body["detail"].as_str().unwrap().contains("10485760"));

    // Documents may be larger than photos, up to 20 MiB.
    let mut pdf = PDF.to_vec();
    pdf.resize(12 * 1024 * 1024, b' ');
    upload_document(&ctx, user, &contact, &pdf, None)
        .await
        .ok_json(StatusCode::CREATED);
    pdf.resize(20 * 1024 * 1024 + 1, b' ');
    let res = upload_document(&ctx, user, &contact, &pdf, None).await;
    res.problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_user_can_neither_upload_list_read_sign_nor_delete() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let as_bob = ctx.app.as_user(bob);
    let contact = contact_id(&as_alice, "Alice's client").await;
    let photo = upload_photo(&ctx, alice, &contact, &png(20, 20))
        .await
        .ok_json(StatusCode::CREATED);
    let doc = upload_document(&ctx, alice, &contact, PDF, None)
        .await
        .ok_json(StatusCode::CREATED);
    let doc_id = doc["id"].as_str().unwrap();
    // Bob has a contact of his own, to rule out "no contacts at all" shortcuts.
    let bobs = contact_id(&as_bob, "Bob's client").await;

    let not_found = |res: TestResponse| res.problem(StatusCode::NOT_FOUND, "not_found");
    not_found(upload_photo(&ctx, bob, &contact, &png(20, 20)).await);
    not_found(upload_document(&ctx, bob, &contact, PDF, None).await);
    for path in [
        format!("/api/v1/contacts/{contact}/files"),
        format!("/api/v1/contacts/{contact}/files/{doc_id}"),
        format!("/api/v1/contacts/{bobs}/files/{doc_id}"),
        format!("/api/v1/contacts/{contact}/photo-access-log"),
        format!(
            "/api/v1/storage/file-url?filePath={}",
            doc["filePath"].as_str().unwrap()
        ),
        format!(
            "/api/v1/storage/file-url?filePath={}",
            photo["filePath"].as_str().unwrap()
        ),
    ] {
        not_found(as_bob.get(&path).await);
    }
    for path in [
        format!("/api/v1/contacts/{contact}/files/{doc_id}"),
        format!("/api/v1/contacts/{bobs}/files/{doc_id}"),
        format!("/api/v1/contacts/{contact}/photo"),
    ] {
        not_found(as_bob.delete(&path).await);
    }
    // Ids that are not UUIDs are 404 too.
    not_found(as_bob.get("/api/v1/contacts/nope/files/also-nope").await);

    // Alice's files are untouched and still served.
    for file in [&photo, &doc] {
        assert!(stored(&ctx, file["filePath"].as_str().unwrap()));
        let res = anonymous_get(&ctx, file["url"].as_str().unwrap()).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let list: Value = as_alice
        .get(&format!("/api/v1/contacts/{contact}/files"))
        .await
        .json();
    assert_eq!(list["pagination"]["total"], 2);
    // Bob's probing left no entry in Alice's access log beyond her own accesses.
    let log = whole_log(&as_alice, &contact).await;
    assert_eq!(log.len(), 2, "upload + list: {log:?}");
    // A signature made for Alice's key does not open Bob's (or any other) key.
    let bob_key = ObjectKey::generate(bob, "photos", "jpg").unwrap();
    let url = photo["url"].as_str().unwrap();
    let query = url.split_once('?').unwrap().1;
    let res = anonymous_get(
        &ctx,
        &format!("{}/api/v1/files/{bob_key}?{query}", ctx.app.base_url),
    )
    .await;
    not_found(res);
}
