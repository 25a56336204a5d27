//! Fixtures shared by the tests of onboarding.rs

use crate::common::Ctx;
use omnicrm_api::TrustedProxies;
use omnicrm_testkit::Requester;
use omnicrm_testkit::{TestApp, TestAppOptions, TestDb, TestResponse};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::Cursor;

pub(crate) const TOKENS: &str = "/api/v1/onboarding/admin/tokens";

pub(crate) const SUBMIT: &str = "/api/v1/onboarding/public/submit";

pub(crate) const UPLOAD: &str = "/api/v1/onboarding/public/upload-photo";

pub(crate) const TRACK: &str = "/api/v1/onboarding/public/track-access";

// ------------------------------------------------------------------ helpers

pub(crate) async fn create_token(as_user: &Requester<'_>, body: Value) -> Value {
    let res = as_user.post_json(TOKENS, &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json()
}

pub(crate) async fn new_token(as_user: &Requester<'_>) -> (String, String) {
    let created = create_token(as_user, json!({})).await;
    (
        created["token"].as_str().unwrap().to_owned(),
        created["id"].as_str().unwrap().to_owned(),
    )
}

pub(crate) fn form(token: &str, email: &str) -> Value {
    json!({
        "token": token,
        "client": {"displayName": "Ann Client", "primaryEmail": email},
        "consent": {},
    })
}

pub(crate) async fn owner_i64(ctx: &Ctx, sql: &str) -> i64 {
    let client = ctx.db.owner().await.unwrap();
    client.query_one(sql, &[]).await.unwrap().get::<_, i64>(0)
}

pub(crate) async fn owner_exec(ctx: &Ctx, sql: &str) {
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(sql)
        .await
        .unwrap();
}

pub(crate) async fn token_info(as_user: &Requester<'_>, id: &str) -> Value {
    let res = as_user.get(&format!("{TOKENS}/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json()
}

pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 30, 30, 255]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A hand-built `multipart/form-data` body with optional `token` and `file` parts.
pub(crate) fn multipart(token: Option<&str>, file: Option<&[u8]>) -> (String, Vec<u8>) {
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

pub(crate) async fn upload(
    app: &TestApp,
    token: Option<&str>,
    file: Option<&[u8]>,
) -> TestResponse {
    let (content_type, body) = multipart(token, file);
    app.anonymous()
        .send_bytes(Method::POST, UPLOAD, &content_type, body)
        .await
}

pub(crate) fn header(res: &TestResponse, name: &str) -> String {
    res.header(name).unwrap_or_default().to_owned()
}

// ------------------------------------------------------------------ rate limiting

/// A limited app that believes 127.0.0.1's `X-Forwarded-For`, so one test plays many clients.
pub(crate) async fn limited_app(db: &TestDb, limit: u32) -> TestApp {
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
