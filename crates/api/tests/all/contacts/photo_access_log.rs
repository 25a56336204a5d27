//! `GET /api/v1/contacts/{id}/photo-access-log`: every handed-out photo URL logged once, newest first, outliving the contact.

use crate::common::files::*;
use crate::common::setup;
use futures_util::FutureExt;
use omnicrm_domain::ContactId;
use omnicrm_repo::{Db, DbSettings, build_pool};
use omnicrm_services::files::{AccessMeta, PhotoUrls};
use omnicrm_services::integrations::{ObjectKey, UrlSigner};
use omnicrm_testkit::TEST_MASTER_KEY;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_that_hands_out_a_photo_url_is_logged_once() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = contact_id(&ctx.app.as_user(user), "Client").await;
    let files = format!("/api/v1/contacts/{contact}/files");

    let photo = upload_photo(&ctx, user, &contact, &png(40, 40))
        .await
        .ok_json(StatusCode::CREATED); // 1
    let key = photo["filePath"].as_str().unwrap().to_owned();
    upload_document(&ctx, user, &contact, PDF, None)
        .await
        .ok_json(StatusCode::CREATED); // documents: 0
    let long_agent = "x".repeat(2000);
    let res = ctx
        .app
        .as_user(user)
        .header("user-agent", &long_agent)
        .get(&files)
        .await; // 2
    assert_eq!(res.status(), StatusCode::OK);
    let res = ctx
        .app
        .as_user(user)
        .get(&format!("/api/v1/storage/file-url?filePath={key}"))
        .await; // 3
    assert_eq!(res.status(), StatusCode::OK);
    let res = ctx
        .app
        .as_user(user)
        .get(&format!("{files}/{}", photo["id"].as_str().unwrap()))
        .await; // 4
    assert_eq!(res.status(), StatusCode::OK);
    // A page without the photo hands out no photo URL.
    let res = ctx
        .app
        .as_user(user)
        .get(&format!("{files}?fileType=document"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Downloads themselves are not accesses of the practitioner (no user, no token).
    anonymous_get(&ctx, photo["url"].as_str().unwrap()).await;

    let log = whole_log(&ctx.app.as_user(user), &contact).await;
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
    let as_user = ctx.app.as_user(user);
    let contact = contact_id(&as_user, "Client").await;
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
    upload_photo(&ctx, user, &contact, &png(8, 8))
        .await
        .ok_json(StatusCode::CREATED);

    let mut seen = Vec::new();
    let mut query = "?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let res = access_log(&as_user, &contact, &query).await;
        assert_eq!(res.status(), StatusCode::OK);
        let page: Value = res.json();
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
        let res = access_log(&as_user, &contact, query).await;
        let body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&body), [pointer]);
    }
    let res = access_log(&as_user, &contact, "?page=2").await;
    res.problem(StatusCode::BAD_REQUEST, "malformed_request");
    access_log(&ctx.app.as_user(other), &contact, "")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");

    // Deleting the contact removes its files but not the record of who saw them.
    let res = as_user.delete(&format!("/api/v1/contacts/{contact}")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(whole_log(&as_user, &contact).await.len(), 8);
    let never = ContactId::generate();
    access_log(&as_user, &never.to_string(), "")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
