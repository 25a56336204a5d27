//! Client files and photos: uploads, preparation, signed downloads, re-signing, deletion,
//! the photo access audit and tenant isolation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{Ctx, pointers, problem, setup};
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::AsyncConnection;
use futures_util::FutureExt;
use image::codecs::jpeg::JpegEncoder;
use image::{GenericImageView, ImageFormat, Rgb, RgbImage};
use omnicrm_domain::{ContactId, UserId};
use omnicrm_repo::{Db, DbSettings, build_pool};
use omnicrm_services::files::{AccessMeta, PhotoUrls};
use omnicrm_services::integrations::{ObjectKey, UrlSigner};
use omnicrm_testkit::TEST_MASTER_KEY;
use omnicrm_testkit::TestApp;
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BOUNDARY: &str = "omnicrm-test-boundary-7MA4YWxkTrZu0gW";

// ---------------------------------------------------------------------------------------
// helpers

/// One multipart part: `(field name, file name, declared type, bytes)`.
type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
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

async fn post_form(ctx: &Ctx, user: UserId, path: &str, parts: &[Part<'_>]) -> Response {
    ctx.app
        .as_user(user)
        .request(Method::POST, path)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("user-agent", "files-test/1.0")
        .body(multipart(parts))
        .send()
        .await
        .unwrap()
}

async fn upload_photo(ctx: &Ctx, user: UserId, contact: &str, bytes: &[u8]) -> Response {
    post_form(
        ctx,
        user,
        &format!("/api/v1/contacts/{contact}/photo"),
        &[("file", Some("me.png"), Some("image/png"), bytes)],
    )
    .await
}

async fn upload_document(
    ctx: &Ctx,
    user: UserId,
    contact: &str,
    bytes: &[u8],
    file_type: Option<&str>,
) -> Response {
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

async fn created(res: Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn contact_id(ctx: &Ctx, user: UserId, name: &str) -> String {
    ctx.named(user, name).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// GET without any credentials.
async fn anonymous_get(ctx: &Ctx, url: &str) -> Response {
    ctx.app.http.get(url).send().await.unwrap()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A JPEG whose left half is red and right half blue, with an EXIF block carrying the
/// given orientation and a camera serial-like string.
fn jpeg_with_exif(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 95)
        .encode_image(&img)
        .unwrap();
    // Big-endian TIFF header, IFD0 with one entry: Orientation (0x0112, SHORT, 1 value).
    let [o_hi, o_lo] = orientation.to_be_bytes();
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&[
        b'M', b'M', 0, 0x2A, 0, 0, 0, 8, // header, IFD0 at offset 8
        0, 1, // one entry
        0x01, 0x12, 0, 3, 0, 0, 0, 1, o_hi, o_lo, 0, 0, // Orientation
        0, 0, 0, 0, // no next IFD
    ]);
    app1.extend_from_slice(b"SERIAL-0042-SECRET");
    let len = u16::try_from(app1.len() + 2).unwrap().to_be_bytes();
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1, len[0], len[1]];
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// The stored object of a key, if present on disk.
fn stored(ctx: &Ctx, key: &str) -> bool {
    ctx.app.files_dir.path().join(key).exists()
}

async fn access_log(ctx: &Ctx, user: UserId, contact: &str, query: &str) -> Response {
    ctx.send(
        user,
        Method::GET,
        &format!("/api/v1/contacts/{contact}/photo-access-log{query}"),
        None,
    )
    .await
}

/// The whole access log of a contact, following cursors.
async fn whole_log(ctx: &Ctx, user: UserId, contact: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut query = "?limit=200".to_owned();
    loop {
        let res = access_log(ctx, user, contact, &query).await;
        assert_eq!(res.status(), StatusCode::OK);
        let page: Value = res.json().await.unwrap();
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page.get("nextCursor").and_then(Value::as_str) {
            Some(cursor) => query = format!("?limit=200&cursor={cursor}"),
            None => return items,
        }
    }
}

// ---------------------------------------------------------------------------------------
// photos

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_is_stored_as_a_downscaled_jpeg_and_served_without_a_token() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = contact_id(&ctx, user, "Ada").await;

    let res = upload_photo(&ctx, user, &contact, &png(2000, 1000)).await;
    let location = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let file = created(res).await;
    assert_eq!(file["fileType"], "photo");
    assert_eq!(file["mimeType"], "image/jpeg");
    assert_eq!(file["contactId"], contact.as_str());
    let key = file["filePath"].as_str().unwrap();
    assert!(key.starts_with(&format!("{user}/photos/")), "{key}");
    assert!(key.ends_with(".jpg"));
    assert_eq!(
        location,
        format!(
            "/api/v1/contacts/{contact}/files/{}",
            file["id"].as_str().unwrap()
        )
    );
    let url = file["url"].as_str().unwrap();
    assert!(url.starts_with(&ctx.app.base_url), "absolute URL: {url}");
    let expires = OffsetDateTime::parse(
        file["expiresAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let ttl = expires - OffsetDateTime::now_utc();
    assert!(ttl <= time::Duration::hours(1) && ttl > time::Duration::minutes(55));

    let res = anonymous_get(&ctx, url).await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(header("content-type"), "image/jpeg");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("content-security-policy"), "sandbox");
    assert!(header("content-disposition").starts_with("inline"));
    let max_age: i64 = header("cache-control")
        .strip_prefix("private, max-age=")
        .unwrap()
        .parse()
        .unwrap();
    assert!((3500..=3600).contains(&max_age), "{max_age}");
    let bytes = res.bytes().await.unwrap();
    assert_eq!(file["fileSize"].as_u64(), Some(bytes.len() as u64));
    let decoded = image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg).unwrap();
    assert_eq!(decoded.dimensions(), (1024, 512));

    // The single-file view signs it again.
    let res = ctx.send(user, Method::GET, &location, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["filePath"], key);
    assert_eq!(
        anonymous_get(&ctx, again["url"].as_str().unwrap())
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exif_metadata_is_dropped_and_its_orientation_applied() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = contact_id(&ctx, user, "Grace").await;
    // Orientation 6: the camera was turned; display rotated 90° clockwise.
    let original = jpeg_with_exif(400, 200, 6);
    assert!(contains(&original, b"Exif") && contains(&original, b"SERIAL-0042"));

    let file = created(upload_photo(&ctx, user, &contact, &original).await).await;
    let bytes = anonymous_get(&ctx, file["url"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    assert!(!contains(&bytes, b"Exif"), "EXIF block survived");
    assert!(!contains(&bytes, b"SERIAL-0042"), "metadata survived");
    let decoded = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!(decoded.dimensions(), (200, 400));
    // The left (red) half is now on top.
    let top = decoded.get_pixel(100, 20).0;
    let bottom = decoded.get_pixel(100, 380).0;
    assert!(top[0] > 200 && top[2] < 60, "top {top:?}");
    assert!(bottom[2] > 200 && bottom[0] < 60, "bottom {bottom:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_photo_replaces_the_old_one_and_deleting_it_kills_its_urls() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = contact_id(&ctx, user, "Linus").await;

    let first = created(upload_photo(&ctx, user, &contact, &png(64, 64)).await).await;
    let first_key = first["filePath"].as_str().unwrap();
    assert!(stored(&ctx, first_key));
    let second = created(upload_photo(&ctx, user, &contact, &png(32, 32)).await).await;
    let second_key = second["filePath"].as_str().unwrap();

    // The old photo's row, object and URL are gone.
    assert!(!stored(&ctx, first_key));
    assert!(stored(&ctx, second_key));
    let old = anonymous_get(&ctx, first["url"].as_str().unwrap()).await;
    problem(old, StatusCode::NOT_FOUND, "not_found").await;
    let list: Value = ctx
        .send(
            user,
            Method::GET,
            &format!("/api/v1/contacts/{contact}/files"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(list["items"][0]["filePath"], second_key);

    let path = format!("/api/v1/contacts/{contact}/photo");
    let res = ctx.send(user, Method::DELETE, &path, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(!stored(&ctx, second_key));
    let gone = anonymous_get(&ctx, second["url"].as_str().unwrap()).await;
    problem(gone, StatusCode::NOT_FOUND, "not_found").await;
    let again = ctx.send(user, Method::DELETE, &path, None).await;
    problem(again, StatusCode::NOT_FOUND, "not_found").await;
    let list: Value = ctx
        .send(
            user,
            Method::GET,
            &format!("/api/v1/contacts/{contact}/files"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["pagination"]["total"], 0);
}

// ---------------------------------------------------------------------------------------
// signed URLs

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_expired_or_unsigned_urls_are_all_the_same_404() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = contact_id(&ctx, user, "Ken").await;
    let file = created(upload_photo(&ctx, user, &contact, &png(16, 16)).await).await;
    let url = file["url"].as_str().unwrap().to_owned();
    let key = file["filePath"].as_str().unwrap().to_owned();
    let (base, query) = url.split_once('?').unwrap();
    let (exp, sig) = query.split_once("&sig=").unwrap();
    let exp: i64 = exp.strip_prefix("exp=").unwrap().parse().unwrap();

    // Another object of the same owner, to move a valid signature onto.
    let other = ObjectKey::generate(user, "photos", "jpg").unwrap();
    let files = format!("{}/api/v1/files", ctx.app.base_url);
    let mut flipped = sig.to_owned();
    let last = if flipped.ends_with('A') { 'B' } else { 'A' };
    flipped.pop();
    flipped.push(last);
    let signer = UrlSigner::derive(&TEST_MASTER_KEY);
    let expired = signer.sign(
        &ObjectKey::parse(&key).unwrap(),
        OffsetDateTime::now_utc() - Duration::from_secs(7200),
        Duration::from_secs(3600),
    );
    let bad = [
        format!("{base}?exp={exp}&sig={flipped}"),
        format!("{base}?exp={}&sig={sig}", exp + 60),
        format!("{files}/{other}?exp={exp}&sig={sig}"),
        format!("{base}?exp={exp}"),
        base.to_owned(),
        format!("{base}?exp=soon&sig={sig}"),
        format!("{}{}", ctx.app.base_url, expired.path_and_query),
        format!("{files}/{user}/photos/..%2F..%2Fetc.jpg?exp={exp}&sig={sig}"),
    ];
    for url in bad {
        let res = anonymous_get(&ctx, &url).await;
        let body = problem(res, StatusCode::NOT_FOUND, "not_found").await;
        assert_ne!(body["detail"], "no route matches this path", "{url}");
    }
    // The genuine URL still works, with or without someone else's token.
    let stranger = TestApp::new_user();
    let res = ctx
        .app
        .http
        .get(&url)
        .bearer_auth(TestApp::token(stranger))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_downloads_are_rate_limited_per_client_address() {
    let db = omnicrm_testkit::TestDb::new().await.unwrap();
    let app = TestApp::spawn_with(
        &db,
        omnicrm_testkit::TestAppOptions {
            download_rate_limit: 3,
            ..Default::default()
        },
    )
    .await;
    let ctx = Ctx { db, app };
    let user = TestApp::new_user();
    let contact = contact_id(&ctx, user, "Lu").await;
    let file = created(upload_photo(&ctx, user, &contact, &png(16, 16)).await).await;
    let url = file["url"].as_str().unwrap().to_owned();
    let (base, _) = url.split_once('?').unwrap();

    // Good and bad signatures count alike, so guessing costs as much as fetching.
    let first = anonymous_get(&ctx, &url).await;
    assert_eq!(first.status(), StatusCode::OK);
    let policy = first.headers()["ratelimit-policy"].to_str().unwrap();
    assert_eq!(policy, "\"download-ip\";q=3;w=60");
    let res = anonymous_get(&ctx, &format!("{base}?exp=1&sig=guess")).await;
    problem(res, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(anonymous_get(&ctx, &url).await.status(), StatusCode::OK);
    let res = anonymous_get(&ctx, &url).await;
    assert!(res.headers().contains_key("retry-after"));
    problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_url_signs_only_the_callers_referenced_keys() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let contact = contact_id(&ctx, alice, "Client").await;
    let doc = created(upload_document(&ctx, alice, &contact, PDF, None).await).await;
    let key = doc["filePath"].as_str().unwrap().to_owned();
    let sign = |user: UserId, path: String| {
        let ctx = &ctx;
        async move {
            ctx.app
                .as_user(user)
                .request(Method::GET, "/api/v1/storage/file-url")
                .query(&[("filePath", path)])
                .send()
                .await
                .unwrap()
        }
    };

    let res = sign(alice, key.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let signed: Value = res.json().await.unwrap();
    assert!(signed["expiresAt"].is_string());
    let res = anonymous_get(&ctx, signed["signedUrl"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.headers()["content-security-policy"], "sandbox");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // Bug 11 of the original: any path was signed. Now: another user's key, a key of
    // the caller that nothing refers to, and paths that are not keys are all 404.
    let unreferenced = ObjectKey::generate(alice, "files", "pdf")
        .unwrap()
        .to_string();
    for (user, path) in [
        (bob, key.clone()),
        (alice, unreferenced),
        (alice, "client-photos/abc.webp".to_owned()),
        (alice, format!("{alice}/files/../../../etc/passwd")),
    ] {
        problem(sign(user, path).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    let res = ctx
        .send(alice, Method::GET, "/api/v1/storage/file-url", None)
        .await;
    let body = problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
    assert_eq!(pointers(&body), ["/filePath"]);
    let res = ctx
        .app
        .http
        .get(
            ctx.app
                .url(&format!("/api/v1/storage/file-url?filePath={key}")),
        )
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // After deletion the key is no longer signed, and old URLs stop working.
    let res = ctx
        .send(
            alice,
            Method::DELETE,
            &format!(
                "/api/v1/contacts/{contact}/files/{}",
                doc["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(!stored(&ctx, &key));
    problem(
        sign(alice, key.clone()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let old = anonymous_get(&ctx, signed["signedUrl"].as_str().unwrap()).await;
    problem(old, StatusCode::NOT_FOUND, "not_found").await;
}

// ---------------------------------------------------------------------------------------
// documents, types and sizes

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_keep_their_bytes_and_images_among_them_are_prepared() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = contact_id(&ctx, user, "Client").await;

    let form = created(upload_document(&ctx, user, &contact, PDF, Some("form")).await).await;
    assert_eq!(form["fileType"], "form");
    assert_eq!(form["mimeType"], "application/pdf");
    assert_eq!(form["fileSize"].as_u64(), Some(PDF.len() as u64));
    assert!(form["filePath"].as_str().unwrap().ends_with(".pdf"));

    // A PNG named report.pdf and declared application/pdf is handled as the PNG it is.
    let disguised =
        created(upload_document(&ctx, user, &contact, &png(1500, 300), None).await).await;
    assert_eq!(disguised["fileType"], "document");
    assert_eq!(disguised["mimeType"], "image/jpeg");
    let bytes = anonymous_get(&ctx, disguised["url"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        image::load_from_memory(&bytes).unwrap().dimensions(),
        (1024, 205)
    );

    // Listing: newest first, offset pagination, kind filter.
    let list = |query: &'static str| {
        let ctx = &ctx;
        let path = format!("/api/v1/contacts/{contact}/files{query}");
        async move {
            let res = ctx.send(user, Method::GET, &path, None).await;
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<Value>().await.unwrap()
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
            .send(
                user,
                Method::GET,
                &format!("/api/v1/contacts/{contact}/files{query}"),
                None,
            )
            .await;
        problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_decide_the_type_and_bad_forms_are_400() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = contact_id(&ctx, user, "Client").await;
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
        problem(
            res,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
    // A PDF is a fine document but not a photo; a PNG that does not decode is no photo.
    let res = post_form(&ctx, user, &photo, &[("file", Some("a.png"), None, PDF)]).await;
    problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let mut truncated = png(300, 300);
    truncated.truncate(200);
    let res = post_form(&ctx, user, &photo, &[("file", None, None, &truncated)]).await;
    problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;

    // Form problems.
    let res = post_form(&ctx, user, &photo, &[("picture", None, None, b"x")]).await;
    problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;
    let res = post_form(&ctx, user, &files, &[("fileType", None, None, b"form")]).await;
    let body = problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
    assert_eq!(pointers(&body), ["/file"]);
    let res = post_form(&ctx, user, &photo, &[("file", Some("e.png"), None, b"")]).await;
    let body = problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
    assert_eq!(pointers(&body), ["/file"]);
    for kind in ["photo", "spreadsheet"] {
        let res = upload_document(&ctx, user, &contact, PDF, Some(kind)).await;
        let body = problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_eq!(pointers(&body), ["/fileType"]);
    }
    let res = ctx
        .send(
            user,
            Method::POST,
            &photo,
            Some(serde_json::json!({"file": "x"})),
        )
        .await;
    problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;

    // Nothing was stored by any of these.
    let list: Value = ctx
        .send(user, Method::GET, &files, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["pagination"]["total"], 0);
    assert!(!ctx.app.files_dir.path().join(user.to_string()).exists());
}

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
async fn oversized_uploads_are_413_without_reading_them_whole() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = contact_id(&ctx, user, "Client").await;
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
    let body = problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    assert!(body["detail"].as_str().unwrap().contains("10485760"));

    // Documents may be larger than photos, up to 20 MiB.
    let mut pdf = PDF.to_vec();
    pdf.resize(12 * 1024 * 1024, b' ');
    created(upload_document(&ctx, user, &contact, &pdf, None).await).await;
    pdf.resize(20 * 1024 * 1024 + 1, b' ');
    let res = upload_document(&ctx, user, &contact, &pdf, None).await;
    problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

// ---------------------------------------------------------------------------------------
// tenancy

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_user_can_neither_upload_list_read_sign_nor_delete() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let contact = contact_id(&ctx, alice, "Alice's client").await;
    let photo = created(upload_photo(&ctx, alice, &contact, &png(20, 20)).await).await;
    let doc = created(upload_document(&ctx, alice, &contact, PDF, None).await).await;
    let doc_id = doc["id"].as_str().unwrap();
    // Bob has a contact of his own, to rule out "no contacts at all" shortcuts.
    let bobs = contact_id(&ctx, bob, "Bob's client").await;

    let not_found = |res: Response| problem(res, StatusCode::NOT_FOUND, "not_found");
    not_found(upload_photo(&ctx, bob, &contact, &png(20, 20)).await).await;
    not_found(upload_document(&ctx, bob, &contact, PDF, None).await).await;
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
        not_found(ctx.send(bob, Method::GET, &path, None).await).await;
    }
    for path in [
        format!("/api/v1/contacts/{contact}/files/{doc_id}"),
        format!("/api/v1/contacts/{bobs}/files/{doc_id}"),
        format!("/api/v1/contacts/{contact}/photo"),
    ] {
        not_found(ctx.send(bob, Method::DELETE, &path, None).await).await;
    }
    // Ids that are not UUIDs are 404 too.
    not_found(
        ctx.send(
            bob,
            Method::GET,
            "/api/v1/contacts/nope/files/also-nope",
            None,
        )
        .await,
    )
    .await;

    // Alice's files are untouched and still served.
    for file in [&photo, &doc] {
        assert!(stored(&ctx, file["filePath"].as_str().unwrap()));
        let res = anonymous_get(&ctx, file["url"].as_str().unwrap()).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let list: Value = ctx
        .send(
            alice,
            Method::GET,
            &format!("/api/v1/contacts/{contact}/files"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["pagination"]["total"], 2);
    // Bob's probing left no entry in Alice's access log beyond her own accesses.
    let log = whole_log(&ctx, alice, &contact).await;
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
    not_found(res).await;
}

// ---------------------------------------------------------------------------------------
// photo access audit

/// Counts the statements a connection starts that match a prefix.
#[derive(Clone, Default)]
struct StatementLog(Arc<Mutex<Vec<String>>>);

impl Instrumentation for StatementLog {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            self.0.lock().unwrap().push(query.to_string());
        }
    }
}

impl StatementLog {
    fn count(&self, prefix: &str) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|q| q.trim_start().starts_with(prefix))
            .count()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_many_photos_writes_every_audit_row_with_one_insert() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contacts: Vec<ContactId> = {
        let mut ids = Vec::new();
        for i in 0..5 {
            let id = contact_id(&ctx, user, &format!("Client {i}")).await;
            ids.push(id.parse().unwrap());
        }
        ids
    };
    let mut photos: Vec<(ContactId, String)> = contacts
        .iter()
        .map(|c| {
            (
                *c,
                ObjectKey::generate(user, "photos", "jpg")
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    // Legacy paths, external URLs and other owners' keys get neither a URL nor a row.
    photos.push((contacts[0], "client-photos/legacy.webp".to_owned()));
    photos.push((contacts[1], "https://example.test/me.jpg".to_owned()));
    photos.push((
        contacts[2],
        ObjectKey::generate(TestApp::new_user(), "photos", "jpg")
            .unwrap()
            .to_string(),
    ));

    let settings = DbSettings {
        url: ctx.db.app_url.clone(),
        pool_size: 1,
        connect_timeout: Duration::from_secs(2),
        statement_timeout: Duration::from_secs(10),
    };
    let db = Db::new(build_pool(&settings).unwrap(), Duration::from_secs(12));
    let statements = StatementLog::default();
    let urls = PhotoUrls::new(UrlSigner::derive(&TEST_MASTER_KEY));
    let meta = AccessMeta::new(Some("192.0.2.7".into()), Some("auditor/1"));
    let (signed, tracked) = (photos.clone(), statements.clone());
    let signed = db
        .tenant(user, move |conn| {
            async move {
                conn.set_instrumentation(tracked);
                urls.sign_for_view(conn, user, &signed, &meta).await
            }
            .boxed()
        })
        .await
        .unwrap();

    assert_eq!(signed.len(), 5);
    for (contact, key) in photos.iter().take(5) {
        assert!(signed[contact].path_and_query.contains(key.as_str()));
    }
    assert_eq!(
        statements.count("INSERT INTO photo_access_audit"),
        1,
        "{:?}",
        statements.0.lock().unwrap()
    );
    for (i, contact) in contacts.iter().enumerate() {
        let log = whole_log(&ctx, user, &contact.to_string()).await;
        assert_eq!(log.len(), 1, "contact {i}");
        assert_eq!(log[0]["photoPath"], photos[i].1.as_str());
        assert_eq!(log[0]["ipAddress"], "192.0.2.7");
        assert_eq!(log[0]["userAgent"], "auditor/1");
    }

    // Nothing to sign: no statement at all.
    let statements = StatementLog::default();
    let (tracked, urls) = (
        statements.clone(),
        PhotoUrls::new(UrlSigner::derive(&TEST_MASTER_KEY)),
    );
    db.tenant(user, move |conn| {
        async move {
            conn.set_instrumentation(tracked);
            urls.sign_for_view(conn, user, &[], &AccessMeta::default())
                .await
        }
        .boxed()
    })
    .await
    .unwrap();
    assert_eq!(statements.count("INSERT"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_that_hands_out_a_photo_url_is_logged_once() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = contact_id(&ctx, user, "Client").await;
    let files = format!("/api/v1/contacts/{contact}/files");

    let photo = created(upload_photo(&ctx, user, &contact, &png(40, 40)).await).await; // 1
    let key = photo["filePath"].as_str().unwrap().to_owned();
    created(upload_document(&ctx, user, &contact, PDF, None).await).await; // documents: 0
    let long_agent = "x".repeat(2000);
    let res = ctx
        .app
        .as_user(user)
        .request(Method::GET, &files)
        .header("user-agent", &long_agent)
        .send()
        .await
        .unwrap(); // 2
    assert_eq!(res.status(), StatusCode::OK);
    let res = ctx
        .send(
            user,
            Method::GET,
            &format!("/api/v1/storage/file-url?filePath={key}"),
            None,
        )
        .await; // 3
    assert_eq!(res.status(), StatusCode::OK);
    let res = ctx
        .send(
            user,
            Method::GET,
            &format!("{files}/{}", photo["id"].as_str().unwrap()),
            None,
        )
        .await; // 4
    assert_eq!(res.status(), StatusCode::OK);
    // A page without the photo hands out no photo URL.
    let res = ctx
        .send(
            user,
            Method::GET,
            &format!("{files}?fileType=document"),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Downloads themselves are not accesses of the practitioner (no user, no token).
    anonymous_get(&ctx, photo["url"].as_str().unwrap()).await;

    let log = whole_log(&ctx, user, &contact).await;
    assert_eq!(log.len(), 4, "{log:#?}");
    assert!(log.iter().all(|e| e["photoPath"] == key.as_str()));
    assert!(log.iter().all(|e| e["ipAddress"] == "127.0.0.1"));
    // Newest first: the list request with the long user agent is third from the top.
    assert_eq!(log[2]["userAgent"].as_str().map(str::len), Some(512));
    assert_eq!(log[3]["userAgent"], "files-test/1.0");
    for pair in log.windows(2) {
        assert!(pair[0]["accessedAt"].as_str() >= pair[1]["accessedAt"].as_str());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_log_pages_newest_first_and_outlives_the_contact() {
    let ctx = setup().await;
    let (user, other) = (TestApp::new_user(), TestApp::new_user());
    let contact = contact_id(&ctx, user, "Client").await;
    let contact_id_typed: ContactId = contact.parse().unwrap();

    // 7 entries written in one statement share accessed_at: the id orders them.
    let settings = DbSettings {
        url: ctx.db.app_url.clone(),
        pool_size: 1,
        connect_timeout: Duration::from_secs(2),
        statement_timeout: Duration::from_secs(10),
    };
    let db = Db::new(build_pool(&settings).unwrap(), Duration::from_secs(12));
    let photos: Vec<(ContactId, String)> = (0..7)
        .map(|_| {
            (
                contact_id_typed,
                ObjectKey::generate(user, "photos", "jpg")
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    let urls = PhotoUrls::new(UrlSigner::derive(&TEST_MASTER_KEY));
    let batch = photos.clone();
    db.tenant(user, move |conn| {
        async move {
            urls.sign_each(conn, user, &batch, &AccessMeta::default())
                .await
        }
        .boxed()
    })
    .await
    .unwrap();
    // One more, in a later request.
    created(upload_photo(&ctx, user, &contact, &png(8, 8)).await).await;

    let mut seen = Vec::new();
    let mut query = "?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let res = access_log(&ctx, user, &contact, &query).await;
        assert_eq!(res.status(), StatusCode::OK);
        let page: Value = res.json().await.unwrap();
        pages += 1;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().cloned());
        match page.get("nextCursor").and_then(Value::as_str) {
            Some(cursor) => query = format!("?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 8);
    let ids: Vec<&str> = seen.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 8, "no entry twice");
    // The upload came last, so it is first; the batch follows in reverse insertion order.
    assert!(seen[0]["photoPath"].as_str().unwrap().contains("/photos/"));
    let batch_paths: Vec<&str> = seen[1..]
        .iter()
        .map(|e| e["photoPath"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = photos.iter().rev().map(|(_, p)| p.as_str()).collect();
    assert_eq!(batch_paths, expected);

    for (query, pointer) in [
        ("?limit=0", "/limit"),
        ("?limit=201", "/limit"),
        ("?cursor=not-a-cursor", "/cursor"),
        // `<nanos>:<uuid>` for about 5300 BC: `time` parses it, PostgreSQL cannot hold it.
        (
            "?cursor=LTIzMDAwMDAwMDAwMDAwMDAwMDAwMDowMTkzYTBjNC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA",
            "/cursor",
        ),
    ] {
        let res = access_log(&ctx, user, &contact, query).await;
        let body = problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_eq!(pointers(&body), [pointer]);
    }
    let res = access_log(&ctx, user, &contact, "?page=2").await;
    problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;
    problem(
        access_log(&ctx, other, &contact, "").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Deleting the contact removes its files but not the record of who saw them.
    let res = ctx
        .send(
            user,
            Method::DELETE,
            &format!("/api/v1/contacts/{contact}"),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(whole_log(&ctx, user, &contact).await.len(), 8);
    let never = ContactId::generate();
    problem(
        access_log(&ctx, user, &never.to_string(), "").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_no_row_refers_to_is_never_served() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = contact_id(&ctx, user, "Client").await;
    let doc = created(upload_document(&ctx, user, &contact, PDF, None).await).await;
    let key = doc["filePath"].as_str().unwrap();
    let url = doc["url"].as_str().unwrap();
    assert_eq!(anonymous_get(&ctx, url).await.status(), StatusCode::OK);

    // The crash window after a delete's commit: the row is gone, the object is not.
    let owner = ctx.db.owner().await.unwrap();
    let deleted = owner
        .execute("DELETE FROM client_files WHERE file_path = $1", &[&key])
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert!(stored(&ctx, key));

    let res = anonymous_get(&ctx, url).await;
    problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let res = ctx
        .send(
            user,
            Method::GET,
            &format!("/api/v1/storage/file-url?filePath={key}"),
            None,
        )
        .await;
    problem(res, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn contact_views_sign_photos_and_log_one_access_per_photo_shown() {
    let ctx = setup().await;
    let user = UserId::generate();
    let with_photo = contact_id(&ctx, user, "Ava Photo").await;
    let _without = contact_id(&ctx, user, "Noah Plain").await;
    created(upload_photo(&ctx, user, &with_photo, &png(64, 64)).await).await;
    let logged = whole_log(&ctx, user, &with_photo).await.len();

    // The list signs the one photo on the page; the other contact has none.
    let res = ctx.send(user, Method::GET, "/api/v1/contacts", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page: Value = res.json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    let url_of = |id: &str| {
        items
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["photoUrl"].clone())
            .unwrap()
    };
    let url = url_of(&with_photo).as_str().unwrap().to_owned();
    assert!(url.starts_with(&ctx.app.base_url), "{url}");
    assert!(items.iter().filter(|i| i["photoUrl"].is_string()).count() == 1);
    let photo = anonymous_get(&ctx, &url).await;
    assert_eq!(photo.status(), StatusCode::OK);
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    assert_eq!(whole_log(&ctx, user, &with_photo).await.len(), logged + 1);

    // The detail view and a PATCH hand out a URL too, and each is one more access.
    let res = ctx
        .send(
            user,
            Method::GET,
            &format!("/api/v1/contacts/{with_photo}"),
            None,
        )
        .await;
    let detail: Value = res.json().await.unwrap();
    assert!(detail["photoUrl"].as_str().unwrap().contains("sig="));
    let res = ctx
        .send(
            user,
            Method::PATCH,
            &format!("/api/v1/contacts/{with_photo}"),
            Some(serde_json::json!({"lifecycleStage": "Core Client"})),
        )
        .await;
    let patched: Value = res.json().await.unwrap();
    assert!(patched["photoUrl"].as_str().unwrap().contains("sig="));
    assert_eq!(whole_log(&ctx, user, &with_photo).await.len(), logged + 3);

    // Another user never sees the photo, and their requests log nothing.
    let other = UserId::generate();
    let res = ctx.send(other, Method::GET, "/api/v1/contacts", None).await;
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["pagination"]["total"], 0);
    assert_eq!(whole_log(&ctx, user, &with_photo).await.len(), logged + 3);
}
