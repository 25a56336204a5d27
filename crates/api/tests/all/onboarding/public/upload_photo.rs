//! `POST /api/v1/onboarding/public/upload-photo`: attached only by its own link; non-images, oversized files and missing parts refused; one visitor cannot block a link.

use crate::common::onboarding::*;
use crate::common::{Ctx, setup};
use omnicrm_testkit::TestResponse;
use omnicrm_testkit::pointers;
use omnicrm_testkit::{TestApp, TestDb};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn upload_as(app: &TestApp, ip: &str, token: &str) -> TestResponse {
    let (content_type, body) = multipart(Some(token), Some(&png(4, 4)));
    app.anonymous()
        .header("x-forwarded-for", ip)
        .send_bytes(Method::POST, UPLOAD, &content_type, body)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_photo_is_attached_only_by_its_own_link() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let (token, token_id) = new_token(&as_user).await;
    let (other_token, _) = new_token(&as_user).await;
    let original = png(1600, 900);
    let res = upload(&ctx.app, Some(&token), Some(&original)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let uploaded: Value = res.json();
    let path = uploaded["filePath"].as_str().unwrap().to_owned();
    assert!(path.starts_with(&format!("{user}/onboarding/")), "{path}");
    assert!(path.ends_with(".jpg"), "{path}");
    assert_eq!(uploaded["originalSize"], original.len());
    let stored = std::fs::read(ctx.app.files_dir.path().join(&path)).unwrap();
    assert_eq!(uploaded["fileSize"], stored.len());
    let decoded = image::load_from_memory(&stored).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (1024, 576),
        "downscaled"
    );

    // Another link cannot attach it; the failed submission leaves nothing behind.
    let mut stolen = form(&other_token, "thief@example.com");
    stolen["photoPath"] = json!(path);
    let res = ctx.app.anonymous().post_json(SUBMIT, &stolen).await;
    let body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/photoPath"]);
    assert_eq!(owner_i64(&ctx, "SELECT count(*) FROM contacts").await, 0);
    assert_eq!(
        owner_i64(&ctx, "SELECT count(*) FROM client_consents").await,
        0
    );
    assert_eq!(
        owner_i64(
            &ctx,
            "SELECT coalesce(sum(used_count), 0)::bigint FROM onboarding_tokens"
        )
        .await,
        0
    );

    // Its own link attaches it.
    let mut own = form(&token, "ann@example.com");
    own["photoPath"] = json!(path);
    let res = ctx.app.anonymous().post_json(SUBMIT, &own).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let contact_id = res.json::<Value>()["contactId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        owner_i64(
            &ctx,
            &format!(
                "SELECT count(*) FROM contacts WHERE id = '{contact_id}' AND photo_url = '{path}'"
            )
        )
        .await,
        1
    );
    assert_eq!(
        owner_i64(
            &ctx,
            &format!(
                "SELECT count(*) FROM client_files WHERE contact_id = '{contact_id}' AND file_type = 'photo' \
                 AND file_path = '{path}' AND mime_type = 'image/jpeg' AND file_size = {}",
                stored.len()
            )
        )
        .await,
        1
    );
    // Consumed: the pending upload is gone, so it cannot be attached twice.
    assert_eq!(
        owner_i64(
            &ctx,
            &format!("SELECT count(*) FROM onboarding_uploads WHERE token_id = '{token_id}'")
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_refuse_non_images_oversized_files_and_missing_parts() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let (token, id) = new_token(&as_user).await;
    let res = upload(
        &ctx.app,
        Some(&token),
        Some(b"<html><script>alert(1)</script></html>"),
    )
    .await;
    res.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let mut truncated = png(64, 64);
    truncated.truncate(truncated.len() / 2);
    let res = upload(&ctx.app, Some(&token), Some(&truncated)).await;
    res.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let big = vec![0_u8; 5 * 1024 * 1024 + 1];
    let res = upload(&ctx.app, Some(&token), Some(&big)).await;
    res.problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let res = upload(&ctx.app, Some(&token), None).await;
    let body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/file"]);
    let res = upload(&ctx.app, None, Some(&png(4, 4))).await;
    let body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/token"]);
    let res = ctx
        .app
        .anonymous()
        .post_json(UPLOAD, &json!({"token": token}))
        .await;
    res.problem(StatusCode::BAD_REQUEST, "malformed_request");
    // Five photos may wait for one link's submission; the sixth is refused.
    for _ in 0..5 {
        let res = upload(&ctx.app, Some(&token), Some(&png(4, 4))).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = upload(&ctx.app, Some(&token), Some(&png(4, 4))).await;
    res.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(
        std::fs::read_dir(
            ctx.app
                .files_dir
                .path()
                .join(user.to_string())
                .join("onboarding")
        )
        .unwrap()
        .count(),
        5
    );
    // Deleting the link removes the photos no submission used.
    let res = as_user.delete(&format!("{TOKENS}/{id}")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        std::fs::read_dir(
            ctx.app
                .files_dir
                .path()
                .join(user.to_string())
                .join("onboarding")
        )
        .unwrap()
        .count(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_visitor_cannot_block_a_multi_use_link_with_pending_uploads() {
    let db = TestDb::new().await.unwrap();
    let app = limited_app(&db, 10_000).await;
    let ctx = Ctx { db, app };
    let user = TestApp::new_user();
    let created = create_token(&ctx.app.as_user(user), json!({"maxUses": 3})).await;
    let token = created["token"].as_str().unwrap();
    // One visitor: five photos may wait, the sixth is refused.
    for _ in 0..5 {
        assert_eq!(
            upload_as(&ctx.app, "203.0.113.1", token).await.status(),
            StatusCode::OK
        );
    }
    let res = upload_as(&ctx.app, "203.0.113.1", token).await;
    res.problem(StatusCode::CONFLICT, "conflict");
    // Other visitors of the same link are not blocked by it.
    for _ in 0..5 {
        assert_eq!(
            upload_as(&ctx.app, "198.51.100.7", token).await.status(),
            StatusCode::OK
        );
        assert_eq!(
            upload_as(&ctx.app, "192.0.2.44", token).await.status(),
            StatusCode::OK
        );
    }
    // The link as a whole: five per remaining submission (3 × 5 = 15).
    let res = upload_as(&ctx.app, "198.18.0.9", token).await;
    res.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(
        owner_i64(&ctx, "SELECT count(*) FROM onboarding_uploads").await,
        15
    );
    ctx.app.stop().await;
}
