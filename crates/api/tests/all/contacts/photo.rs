//! `POST` and `DELETE /api/v1/contacts/{id}/photo`: a downscaled JPEG without its EXIF, replaced and deleted with its URLs; contact views sign photos.

use crate::common::files::*;
use crate::common::setup;
use image::codecs::jpeg::JpegEncoder;
use image::{GenericImageView, ImageFormat, Rgb, RgbImage};
use omnicrm_domain::UserId;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::Value;
use time::OffsetDateTime;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_is_stored_as_a_downscaled_jpeg_and_served_without_a_token() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact = contact_id(&as_user, "Ada").await;

    let res = upload_photo(&ctx, user, &contact, &png(2000, 1000)).await;
    let location = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let file = res.ok_json(StatusCode::CREATED);
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
    let bytes = res.bytes().to_vec();
    assert_eq!(file["fileSize"].as_u64(), Some(bytes.len() as u64));
    let decoded = image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg).unwrap();
    assert_eq!(decoded.dimensions(), (1024, 512));

    // The single-file view signs it again.
    let res = as_user.get(&location).await;
    assert_eq!(res.status(), StatusCode::OK);
    let again: Value = res.json();
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
    let contact = contact_id(&ctx.app.as_user(user), "Grace").await;
    // Orientation 6: the camera was turned; display rotated 90° clockwise.
    let original = jpeg_with_exif(400, 200, 6);
    assert!(contains(&original, b"Exif") && contains(&original, b"SERIAL-0042"));

    let file = upload_photo(&ctx, user, &contact, &original)
        .await
        .ok_json(StatusCode::CREATED);
    let bytes = anonymous_get(&ctx, file["url"].as_str().unwrap())
        .await
        .bytes()
        .to_vec();
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
    let as_user = ctx.app.as_user(user);
    let contact = contact_id(&as_user, "Linus").await;

    let first = upload_photo(&ctx, user, &contact, &png(64, 64))
        .await
        .ok_json(StatusCode::CREATED);
    let first_key = first["filePath"].as_str().unwrap();
    assert!(stored(&ctx, first_key));
    let second = upload_photo(&ctx, user, &contact, &png(32, 32))
        .await
        .ok_json(StatusCode::CREATED);
    let second_key = second["filePath"].as_str().unwrap();

    // The old photo's row, object and URL are gone.
    assert!(!stored(&ctx, first_key));
    assert!(stored(&ctx, second_key));
    let old = anonymous_get(&ctx, first["url"].as_str().unwrap()).await;
    old.problem(StatusCode::NOT_FOUND, "not_found");
    let list: Value = as_user
        .get(&format!("/api/v1/contacts/{contact}/files"))
        .await
        .json();
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(list["items"][0]["filePath"], second_key);

    let path = format!("/api/v1/contacts/{contact}/photo");
    let res = as_user.delete(&path).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(!stored(&ctx, second_key));
    let gone = anonymous_get(&ctx, second["url"].as_str().unwrap()).await;
    gone.problem(StatusCode::NOT_FOUND, "not_found");
    let again = as_user.delete(&path).await;
    again.problem(StatusCode::NOT_FOUND, "not_found");
    let list: Value = as_user
        .get(&format!("/api/v1/contacts/{contact}/files"))
        .await
        .json();
    assert_eq!(list["pagination"]["total"], 0);
}

#[tokio::test]
async fn contact_views_sign_photos_and_log_one_access_per_photo_shown() {
    let ctx = setup().await;
    let user = UserId::generate();
    let as_user = ctx.app.as_user(user);
    let with_photo = contact_id(&as_user, "Ava Photo").await;
    let _without = contact_id(&as_user, "Noah Plain").await;
    upload_photo(&ctx, user, &with_photo, &png(64, 64))
        .await
        .ok_json(StatusCode::CREATED);
    let logged = whole_log(&as_user, &with_photo).await.len();

    // The list signs the one photo on the page; the other contact has none.
    let res = as_user.get("/api/v1/contacts").await;
    assert_eq!(res.status(), StatusCode::OK);
    let page: Value = res.json();
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
    assert_eq!(whole_log(&as_user, &with_photo).await.len(), logged + 1);

    // The detail view and a PATCH hand out a URL too, and each is one more access.
    let res = as_user.get(&format!("/api/v1/contacts/{with_photo}")).await;
    let detail: Value = res.json();
    assert!(detail["photoUrl"].as_str().unwrap().contains("sig="));
    let res = as_user
        .patch_json(
            &format!("/api/v1/contacts/{with_photo}"),
            &serde_json::json!({"lifecycleStage": "Core Client"}),
        )
        .await;
    let patched: Value = res.json();
    assert!(patched["photoUrl"].as_str().unwrap().contains("sig="));
    assert_eq!(whole_log(&as_user, &with_photo).await.len(), logged + 3);

    // Another user never sees the photo, and their requests log nothing.
    let other = UserId::generate();
    let res = ctx.app.as_user(other).get("/api/v1/contacts").await;
    let page: Value = res.json();
    assert_eq!(page["pagination"]["total"], 0);
    assert_eq!(whole_log(&as_user, &with_photo).await.len(), logged + 3);
}
