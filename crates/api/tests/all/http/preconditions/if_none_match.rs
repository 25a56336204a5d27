//! `ETag` on every read and create of a versioned resource; `If-None-Match` answers 304.

use omnicrm_testkit::{TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::json;

use super::fixtures::{self, etag_of};

#[tokio::test]
async fn every_single_resource_has_a_stable_etag_and_answers_304_when_it_is_named() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user());
    for case in fixtures::every_resource(&alice).await {
        let what = case.template;
        let res = alice.get(&case.path).await.expect(StatusCode::OK);
        let etag = etag_of(&res, what);
        let again = alice.get(&case.path).await.expect(StatusCode::OK);
        assert_eq!(etag_of(&again, what), etag, "{what}: the tag is stable");

        let not_modified = alice
            .clone()
            .header("if-none-match", &etag)
            .get(&case.path)
            .await;
        assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED, "{what}");
        assert_eq!(not_modified.header("etag"), Some(etag.as_str()), "{what}");
        assert!(not_modified.bytes().is_empty(), "{what}: a 304 has no body");

        // Weak comparison, lists and `*` (RFC 9110 §13.1.2).
        for value in [
            format!("W/{etag}"),
            format!("\"other\", {etag}"),
            "*".to_owned(),
        ] {
            let res = alice
                .clone()
                .header("if-none-match", &value)
                .get(&case.path)
                .await;
            assert_eq!(res.status(), StatusCode::NOT_MODIFIED, "{what}: {value}");
        }
        let changed = alice
            .clone()
            .header("if-none-match", "\"other\"")
            .get(&case.path)
            .await;
        assert_eq!(changed.status(), StatusCode::OK, "{what}");
        assert!(!changed.bytes().is_empty(), "{what}");
    }
}

#[tokio::test]
async fn a_created_resource_carries_the_etag_a_read_gives() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user());
    let res = alice
        .post_json("/api/v1/contacts", &json!({"displayName": "Ada"}))
        .await
        .expect(StatusCode::CREATED);
    let created = etag_of(&res, "create");
    let location = res.header("location").unwrap().to_owned();
    let read = alice.get(&location).await.expect(StatusCode::OK);
    assert_eq!(etag_of(&read, "read"), created);
}

#[tokio::test]
async fn tags_are_per_resource_and_another_users_resource_is_still_404() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user());
    let bob = app.as_user(TestApp::new_user());
    let a = alice
        .post_json("/api/v1/tags", &json!({"name": "A"}))
        .await
        .expect(StatusCode::CREATED);
    let b = alice
        .post_json("/api/v1/tags", &json!({"name": "B"}))
        .await
        .expect(StatusCode::CREATED);
    assert_ne!(etag_of(&a, "a"), etag_of(&b, "b"));
    let path = a.header("location").unwrap().to_owned();
    bob.clone()
        .header("if-none-match", "*")
        .get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
