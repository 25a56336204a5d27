//! `GET /api/v1/storage/file-url`: signs only the caller's referenced keys, auditing every photo with one insert.

use crate::common::files::*;
use crate::common::setup;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::AsyncConnection;
use futures_util::FutureExt;
use omnicrm_domain::{ContactId, UserId};
use omnicrm_repo::{Db, DbSettings, build_pool};
use omnicrm_services::files::{AccessMeta, PhotoUrls};
use omnicrm_services::integrations::{ObjectKey, UrlSigner};
use omnicrm_testkit::TEST_MASTER_KEY;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
async fn file_url_signs_only_the_callers_referenced_keys() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let as_alice = ctx.app.as_user(alice);
    let contact = contact_id(&as_alice, "Client").await;
    let doc = upload_document(&ctx, alice, &contact, PDF, None)
        .await
        .ok_json(StatusCode::CREATED);
    let key = doc["filePath"].as_str().unwrap().to_owned();
    let sign = |user: UserId, path: String| {
        let ctx = &ctx;
        async move {
            let as_user = ctx.app.as_user(user);
            // `query` encodes the hostile paths below exactly as a client would.
            as_user
                .send(
                    as_user
                        .request(Method::GET, "/api/v1/storage/file-url")
                        .query(&[("filePath", path)]),
                )
                .await
        }
    };

    let res = sign(alice, key.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let signed: Value = res.json();
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
    assert_eq!(res.bytes(), PDF);

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
        sign(user, path)
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
    }
    let res = as_alice.get("/api/v1/storage/file-url").await;
    let body = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/filePath"]);
    let res = ctx
        .app
        .anonymous()
        .get(&format!("/api/v1/storage/file-url?filePath={key}"))
        .await;
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");

    // After deletion the key is no longer signed, and old URLs stop working.
    let res = as_alice
        .delete(&format!(
            "/api/v1/contacts/{contact}/files/{}",
            doc["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(!stored(&ctx, &key));
    sign(alice, key.clone())
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let old = anonymous_get(&ctx, signed["signedUrl"].as_str().unwrap()).await;
    old.problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_many_photos_writes_every_audit_row_with_one_insert() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contacts: Vec<ContactId> = {
        let mut ids = Vec::new();
        for i in 0..5 {
            let id = contact_id(&as_user, &format!("Client {i}")).await;
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
        let log = whole_log(&as_user, &contact.to_string()).await;
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
