//! The storage quota: uploads past it are 413 `quota_exceeded` and store nothing.

use crate::common::Ctx;
use crate::common::fair_share::*;
use omnicrm_domain::UserId;
use omnicrm_testkit::{TestApp, TestAppOptions, TestDb};
use reqwest::{Method, StatusCode};
use std::io::Cursor;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// A PNG of pseudo-random pixels (hardly compressible).
fn noisy_png(width: u32, height: u32) -> Vec<u8> {
    let mut seed: u32 = 0x9E37_79B9;
    let img = image::RgbImage::from_fn(width, height, |_, _| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let [a, b, c, _] = seed.to_le_bytes();
        image::Rgb([a, b, c])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Objects stored for `user` (files on disk under their directory).
fn stored_files(app: &TestApp, user: UserId) -> usize {
    let dir = app.files_dir.path().join(user.to_string());
    walk(&dir)
}

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { walk(&p) } else { 1 })
        .sum()
}

async fn status_line(stream: &mut TcpStream) -> String {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_past_the_storage_quota_are_413_quota_exceeded_and_store_nothing() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            storage_quota_bytes: 100_000,
            ..TestAppOptions::default()
        },
    )
    .await;
    let ctx = Ctx { db, app };
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let client = contact(&as_alice).await;

    let res = upload(&ctx.app, alice, &client, &pdf(60_000)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(stored_files(&ctx.app, alice), 1);

    // 60 000 more would pass 100 000: refused, nothing stored.
    let res = upload(&ctx.app, alice, &client, &pdf(60_000)).await;
    let body = res.problem(StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded");
    assert!(body["detail"].as_str().unwrap().contains("quota"));
    assert_eq!(stored_files(&ctx.app, alice), 1);

    // Refused on the declared size, before the body is read: the server answers a
    // request whose body never comes.
    let mut stalled = stalled_request(&ctx.app, upload_head(alice, &client, 5_000_000)).await;
    let line = tokio::time::timeout(Duration::from_secs(10), status_line(&mut stalled))
        .await
        .expect("answered without the body");
    assert!(line.contains(" 413"), "{line}");

    // What still fits is accepted; Bob has a quota of his own.
    let res = upload(&ctx.app, alice, &client, &pdf(30_000)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let bobs = contact(&ctx.app.as_user(bob)).await;
    let res = upload(&ctx.app, bob, &bobs, &pdf(60_000)).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // Onboarding uploads waiting for their submission count too.
    let carol = TestApp::new_user();
    let carols = contact(&ctx.app.as_user(carol)).await;
    let c = carol.into_uuid();
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO onboarding_tokens (user_id, id, token_hash, label, expires_at, created_by)
                 VALUES ('{c}', '00000000-0000-7000-8000-0000000000aa', sha256('t'), 'l',
                         now() + interval '1 day', '{c}');
             INSERT INTO onboarding_uploads (user_id, id, token_id, object_key, mime_type,
                                             file_size, original_size)
                 VALUES ('{c}', gen_random_uuid(), '00000000-0000-7000-8000-0000000000aa',
                         '{c}/onboarding/{}.jpg', 'image/jpeg', 50000, 50000);",
            uuid::Uuid::now_v7()
        ))
        .await
        .unwrap();
    let res = upload(&ctx.app, carol, &carols, &pdf(60_000)).await;
    res.problem(StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded");

    // Uploads through the practitioner's public onboarding links count against their
    // quota too: Alice has 10 000 bytes left.
    let link = as_alice
        .post_json("/api/v1/onboarding/admin/tokens", &serde_json::json!({}))
        .await;
    let link = link.ok_json(StatusCode::CREATED)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let photo = noisy_png(120, 120);
    assert!(photo.len() > 10_000);
    let mut body =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n{link}\r\n")
            .into_bytes();
    body.extend_from_slice(&form(&photo)[..]);
    let res = ctx
        .app
        .anonymous()
        .send_bytes(
            Method::POST,
            "/api/v1/onboarding/public/upload-photo",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            body,
        )
        .await;
    res.problem(StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded");
    assert_eq!(stored_files(&ctx.app, alice), 2);

    // The problem page documents both statuses of the code.
    let page = ctx
        .app
        .anonymous()
        .get("/problems/quota-exceeded")
        .await
        .text();
    assert!(page.contains("429 or 413"), "{page}");
}
