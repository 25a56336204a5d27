//! Image decoding is bounded for every caller: the practitioner's photo uploads and the
//! public onboarding photo upload share one pool of at most `max(cores, 2)` decodes, and
//! every cap (the link's pending-photo cap included) is checked before any decode starts.
//! The decode counters are per process; nextest (`scripts/test`) runs every test in its
//! own process, so the counts below see only their own test's uploads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::named_contact;
use omnicrm_testkit::Requester;
use omnicrm_testkit::TestResponse;
use std::io::Cursor;

use crate::common::setup;
use omnicrm_domain::UserId;
use omnicrm_services::image_decodes::{decode_stats, max_concurrent_decodes};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const BOUNDARY: &str = "omnicrm-decode-test-boundary";
const UPLOAD: &str = "/api/v1/onboarding/public/upload-photo";

/// A large (in pixels) but small (in bytes) PNG: slow to decode, cheap to send.
fn large_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(2_000, 2_000, |x, y| {
        image::Rgb([(x / 16) as u8, (y / 16) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn form(token: Option<&str>, file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    if let Some(token) = token {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n{token}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

const MULTIPART: &str = "multipart/form-data; boundary=omnicrm-decode-test-boundary";

async fn photo_upload(app: &TestApp, user: UserId, contact: &str, file: &[u8]) -> TestResponse {
    app.as_user(user)
        .send_bytes(
            Method::POST,
            &format!("/api/v1/contacts/{contact}/photo"),
            MULTIPART,
            form(None, file),
        )
        .await
}

async fn public_upload(app: &TestApp, token: &str, file: &[u8]) -> TestResponse {
    app.anonymous()
        .send_bytes(Method::POST, UPLOAD, MULTIPART, form(Some(token), file))
        .await
}

async fn new_token(as_user: &Requester<'_>) -> String {
    let res = as_user
        .post_json("/api/v1/onboarding/admin/tokens", &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json();
    created["token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_concurrent_uploads_never_decode_more_than_the_bound() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let png = large_png();
    let mut contacts = Vec::new();
    for i in 0..16 {
        contacts.push(
            named_contact(&as_user, &format!("Client {i}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Four links, four photos each: within the pending cap of five.
    let mut tokens = Vec::new();
    for _ in 0..4 {
        tokens.push(new_token(&as_user).await);
    }
    let before = decode_stats();
    // All 32 requests in flight at once (the server decodes on its own threads).
    let uploads = (0..32).map(|i| {
        let (app, png) = (&ctx.app, &png);
        let (contact, token) = (&contacts[i / 2], &tokens[i / 2 % 4]);
        async move {
            if i % 2 == 0 {
                photo_upload(app, user, contact, png).await.status()
            } else {
                public_upload(app, token, png).await.status()
            }
        }
    });
    for status in futures_util::future::join_all(uploads).await {
        assert!(status.is_success(), "{status}");
    }
    let after = decode_stats();
    assert_eq!(after.started - before.started, 32);
    assert!(
        after.peak <= max_concurrent_decodes(),
        "{} decodes ran at once; the bound is {}",
        after.peak,
        max_concurrent_decodes()
    );
    assert!(after.peak >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_at_its_pending_cap_refuses_uploads_before_decoding() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let token = new_token(&ctx.app.as_user(user)).await;
    let png = large_png();
    for _ in 0..5 {
        assert_eq!(
            public_upload(&ctx.app, &token, &png).await.status(),
            StatusCode::OK
        );
    }
    let before = decode_stats();
    for _ in 0..3 {
        assert_eq!(
            public_upload(&ctx.app, &token, &png).await.status(),
            StatusCode::CONFLICT
        );
    }
    assert_eq!(
        decode_stats().started,
        before.started,
        "no decode for a refused upload"
    );
}
