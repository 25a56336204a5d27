//! Fixtures shared by the tests of files.rs

use crate::common::Ctx;
use crate::common::named_contact;
use image::{ImageFormat, Rgb, RgbImage};
use omnicrm_domain::UserId;
use omnicrm_testkit::Requester;
use omnicrm_testkit::TestResponse;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::io::Cursor;

pub(crate) const BOUNDARY: &str = "omnicrm-test-boundary-7MA4YWxkTrZu0gW";

/// One multipart part: `(field name, file name, declared type, bytes)`.
pub(crate) type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

pub(crate) fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file_name, content_type, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
        if let Some(file_name) = file_name {
            disposition.push_str(&format!("; filename=\"{file_name}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(content_type) = content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub(crate) async fn post_form(
    ctx: &Ctx,
    user: UserId,
    path: &str,
    parts: &[Part<'_>],
) -> TestResponse {
    ctx.app
        .as_user(user)
        .header("user-agent", "files-test/1.0")
        .send_bytes(
            Method::POST,
            path,
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            multipart(parts),
        )
        .await
}

pub(crate) async fn upload_photo(
    ctx: &Ctx,
    user: UserId,
    contact: &str,
    bytes: &[u8],
) -> TestResponse {
    post_form(
        ctx,
        user,
        &format!("/api/v1/contacts/{contact}/photo"),
        &[("file", Some("me.png"), Some("image/png"), bytes)],
    )
    .await
}

pub(crate) async fn upload_document(
    ctx: &Ctx,
    user: UserId,
    contact: &str,
    bytes: &[u8],
    file_type: Option<&str>,
) -> TestResponse {
    let mut parts: Vec<Part<'_>> = vec![("file", Some("doc.pdf"), Some("application/pdf"), bytes)];
    if let Some(kind) = file_type {
        parts.push(("fileType", None, None, kind.as_bytes()));
    }
    post_form(
        ctx,
        user,
        &format!("/api/v1/contacts/{contact}/files"),
        &parts,
    )
    .await
}

pub(crate) async fn contact_id(as_user: &Requester<'_>, name: &str) -> String {
    named_contact(as_user, name).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// GET without any credentials (`url` absolute, as the API hands it out, or a path).
pub(crate) async fn anonymous_get(ctx: &Ctx, url: &str) -> TestResponse {
    ctx.app.anonymous().get(url).await
}

pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub(crate) const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// The stored object of a key, if present on disk.
pub(crate) fn stored(ctx: &Ctx, key: &str) -> bool {
    ctx.app.files_dir.path().join(key).exists()
}

pub(crate) async fn access_log(
    as_user: &Requester<'_>,
    contact: &str,
    query: &str,
) -> TestResponse {
    as_user
        .get(&format!(
            "/api/v1/contacts/{contact}/photo-access-log{query}"
        ))
        .await
}

/// The whole access log of a contact, following cursors.
pub(crate) async fn whole_log(as_user: &Requester<'_>, contact: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut query = "?limit=200".to_owned();
    loop {
        let res = access_log(as_user, contact, &query).await;
        assert_eq!(res.status(), StatusCode::OK);
        let page: Value = res.json();
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page.get("nextCursor").and_then(Value::as_str) {
            Some(cursor) => query = format!("?limit=200&cursor={cursor}"),
            None => return items,
        }
    }
}
