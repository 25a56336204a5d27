//! `If-Match` on PATCH and DELETE of every versioned resource, and the 428 of
//! `OMNICRM_REQUIRE_IF_MATCH`.

use omnicrm_testkit::{TestApp, TestAppOptions, TestDb};
use reqwest::StatusCode;
use serde_json::json;

use super::fixtures::{self, etag_of};

#[tokio::test]
async fn patch_changes_the_etag_and_a_stale_if_match_changes_nothing() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user());
    for case in fixtures::every_resource(&alice).await {
        let (what, Some(patch)) = (case.template, case.patch.as_ref()) else {
            continue;
        };
        let first = etag_of(&alice.get(&case.path).await.expect(StatusCode::OK), what);

        let res = alice
            .clone()
            .header("if-match", &first)
            .patch_json(&case.path, patch)
            .await;
        let res = res.expect(StatusCode::OK);
        let second = etag_of(&res, what);
        assert_ne!(second, first, "{what}: a PATCH changes the tag");
        let now = alice.get(&case.path).await.expect(StatusCode::OK);
        assert_eq!(
            etag_of(&now, what),
            second,
            "{what}: the PATCH answers the new tag"
        );

        // The first tag is stale now: 412, and nothing changes.
        let stale = alice
            .clone()
            .header("if-match", &first)
            .patch_json(&case.path, patch)
            .await;
        stale.problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
        let after = alice.get(&case.path).await.expect(StatusCode::OK);
        assert_eq!(
            after.bytes(),
            now.bytes(),
            "{what}: a refused PATCH changed the body"
        );
        assert_eq!(etag_of(&after, what), second, "{what}");

        // A weak tag never matches If-Match; a list with the current tag and `*` do.
        alice
            .clone()
            .header("if-match", &format!("W/{second}"))
            .patch_json(&case.path, patch)
            .await
            .problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
        for value in [format!("{first}, {second}"), "*".to_owned()] {
            let res = alice
                .clone()
                .header("if-match", &value)
                .patch_json(&case.path, patch)
                .await;
            assert_eq!(
                res.status(),
                StatusCode::OK,
                "{what}: {value}: {}",
                res.text()
            );
        }
        alice
            .clone()
            .header("if-match", "no-quotes")
            .patch_json(&case.path, patch)
            .await
            .problem(StatusCode::BAD_REQUEST, "malformed_request");
    }
}

#[tokio::test]
async fn delete_with_a_stale_if_match_keeps_the_resource_and_a_current_one_deletes_it() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user());
    // The contact goes last: deleting it takes its children with it.
    let mut cases = fixtures::every_resource(&alice).await;
    cases.sort_by_key(|c| c.template == "/api/v1/contacts/{id}");
    for case in cases.iter().filter(|c| c.delete) {
        let what = case.template;
        let etag = etag_of(&alice.get(&case.path).await.expect(StatusCode::OK), what);
        let stale = alice
            .clone()
            .header("if-match", "\"stale\"")
            .delete(&case.path)
            .await;
        assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED, "{what}");
        stale.problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
        let still = alice.get(&case.path).await.expect(StatusCode::OK);
        assert_eq!(
            etag_of(&still, what),
            etag,
            "{what}: a refused DELETE changed it"
        );

        let res = alice
            .clone()
            .header("if-match", &etag)
            .delete(&case.path)
            .await;
        assert_eq!(
            res.status(),
            StatusCode::NO_CONTENT,
            "{what}: {}",
            res.text()
        );
        alice
            .get(&case.path)
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
        // Gone: a precondition cannot turn the 404 into anything else.
        alice
            .clone()
            .header("if-match", &etag)
            .delete(&case.path)
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn require_mode_answers_428_without_if_match_and_changes_nothing() {
    let db = TestDb::new().await.unwrap();
    let options = TestAppOptions {
        require_if_match: true,
        ..TestAppOptions::default()
    };
    let app = TestApp::spawn_with(&db, options).await;
    let alice = app.as_user(TestApp::new_user());
    for case in fixtures::every_resource(&alice).await {
        let what = case.template;
        let before = alice.get(&case.path).await.expect(StatusCode::OK);
        let etag = etag_of(&before, what);
        if let Some(patch) = &case.patch {
            alice
                .patch_json(&case.path, patch)
                .await
                .problem(StatusCode::PRECONDITION_REQUIRED, "precondition_required");
        }
        if case.delete {
            alice
                .delete(&case.path)
                .await
                .problem(StatusCode::PRECONDITION_REQUIRED, "precondition_required");
        }
        let after = alice.get(&case.path).await.expect(StatusCode::OK);
        assert_eq!(etag_of(&after, what), etag, "{what}: a 428 changed it");
        if let Some(patch) = &case.patch {
            let res = alice
                .clone()
                .header("if-match", &etag)
                .patch_json(&case.path, patch)
                .await;
            assert_eq!(res.status(), StatusCode::OK, "{what}: {}", res.text());
        }
    }
    // Creates and reads need no If-Match.
    alice
        .post_json("/api/v1/tags", &json!({"name": "Free"}))
        .await
        .expect(StatusCode::CREATED);
}
