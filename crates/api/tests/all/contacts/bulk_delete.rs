//! `POST /api/v1/contacts/bulk-delete`.

use crate::common::contacts::*;
use crate::common::named_contact;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_deletes_own_contacts_and_reports_the_rest() {
    let ctx = setup().await;
    let (user, other) = (TestApp::new_user(), TestApp::new_user());
    let as_user = ctx.app.as_user(user);
    let as_other = ctx.app.as_user(other);
    let a = id_of(&named_contact(&as_user, "A").await);
    let b = id_of(&named_contact(&as_user, "B").await);
    let keep = id_of(&named_contact(&as_user, "Keep").await);
    let theirs = id_of(&named_contact(&as_other, "Theirs").await);
    let missing = Uuid::now_v7().to_string();

    let res = as_user
        .post_json(
            "/api/v1/contacts/bulk-delete",
            &json!({"ids": [a, theirs, b, a, missing]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json();
    assert_eq!(
        body,
        json!({"deleted": 2, "errors": [
            {"id": theirs, "code": "not_found"},
            {"id": missing, "code": "not_found"},
        ]})
    );
    let left = as_user
        .get("/api/v1/contacts")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(names(&left), ["Keep"]);
    assert_eq!(
        as_user
            .get(&format!("/api/v1/contacts/{keep}"))
            .await
            .ok_json(StatusCode::OK)["id"],
        keep
    );
    // The other user's contact was never touched.
    let theirs_now = as_other
        .get(&format!("/api/v1/contacts/{theirs}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(theirs_now["displayName"], "Theirs");

    // Deleting them again reports every id.
    let again: Value = as_user
        .post_json("/api/v1/contacts/bulk-delete", &json!({"ids": [a]}))
        .await
        .json();
    assert_eq!(
        again,
        json!({"deleted": 0, "errors": [{"id": a, "code": "not_found"}]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_is_all_or_nothing() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let fine = id_of(&named_contact(&as_user, "Fine").await);
    let doomed = id_of(&named_contact(&as_user, "Explodes").await);
    // Make deleting one of the rows fail inside the statement.
    sql(
        &ctx,
        "CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
         CREATE TRIGGER refuse_delete BEFORE DELETE ON contacts FOR EACH ROW
           WHEN (OLD.display_name = 'Explodes') EXECUTE FUNCTION refuse_delete();",
    )
    .await;
    let res = as_user
        .post_json(
            "/api/v1/contacts/bulk-delete",
            &json!({"ids": [fine, doomed]}),
        )
        .await;
    res.problem(StatusCode::INTERNAL_SERVER_ERROR, "internal");
    let count = as_user
        .get("/api/v1/contacts/count")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(count["count"], 2, "nothing was deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_validates_its_body() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let send = |body: Value| {
        let as_user = as_user.clone();
        async move {
            as_user
                .post_json("/api/v1/contacts/bulk-delete", &body)
                .await
        }
    };
    let empty = send(json!({"ids": []}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&empty), ["/ids"]);
    let ids: Vec<String> = (0..101).map(|_| Uuid::now_v7().to_string()).collect();
    let many = send(json!({ "ids": ids }))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&many), ["/ids"]);
    let not_uuid = send(json!({"ids": [Uuid::now_v7(), "nope"]}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&not_uuid), ["/ids/1"]);
    send(json!({"ids": [], "all": true}))
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
}
