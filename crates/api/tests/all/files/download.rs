//! `GET /api/v1/files/{owner}/{area}/{name}`: signed downloads; tampered, expired or unsigned URLs and unreferenced objects are the same 404; rate limited per client.

use crate::common::files::*;
use crate::common::{Ctx, setup};
use omnicrm_services::integrations::{ObjectKey, UrlSigner};
use omnicrm_testkit::TEST_MASTER_KEY;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use std::time::Duration;
use time::OffsetDateTime;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_expired_or_unsigned_urls_are_all_the_same_404() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = contact_id(&ctx.app.as_user(user), "Ken").await;
    let file = upload_photo(&ctx, user, &contact, &png(16, 16))
        .await
        .ok_json(StatusCode::CREATED);
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
        let body = res.problem(StatusCode::NOT_FOUND, "not_found");
        assert_ne!(body["detail"], "no route matches this path", "{url}");
    }
    // The genuine URL still works, with or without someone else's token.
    let stranger = TestApp::new_user();
    let res = ctx.app.as_user(stranger).get(&url).await;
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
    let contact = contact_id(&ctx.app.as_user(user), "Lu").await;
    let file = upload_photo(&ctx, user, &contact, &png(16, 16))
        .await
        .ok_json(StatusCode::CREATED);
    let url = file["url"].as_str().unwrap().to_owned();
    let (base, _) = url.split_once('?').unwrap();

    // Good and bad signatures count alike, so guessing costs as much as fetching.
    let first = anonymous_get(&ctx, &url).await;
    assert_eq!(first.status(), StatusCode::OK);
    let policy = first.headers()["ratelimit-policy"].to_str().unwrap();
    assert_eq!(policy, "\"download-ip\";q=3;w=60");
    let res = anonymous_get(&ctx, &format!("{base}?exp=1&sig=guess")).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(anonymous_get(&ctx, &url).await.status(), StatusCode::OK);
    let res = anonymous_get(&ctx, &url).await;
    assert!(res.headers().contains_key("retry-after"));
    res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_no_row_refers_to_is_never_served() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact = contact_id(&as_user, "Client").await;
    let doc = upload_document(&ctx, user, &contact, PDF, None)
        .await
        .ok_json(StatusCode::CREATED);
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
    res.problem(StatusCode::NOT_FOUND, "not_found");
    let res = as_user
        .get(&format!("/api/v1/storage/file-url?filePath={key}"))
        .await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
}
