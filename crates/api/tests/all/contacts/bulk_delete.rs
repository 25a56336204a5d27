//! `POST /api/v1/contacts/bulk-delete`.

use crate::common::contacts::*;
use crate::common::{pointers, problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_deletes_own_contacts_and_reports_the_rest() {
    let ctx = setup().await;
    let (user, other) = (TestApp::new_user(), TestApp::new_user());
    let a = id_of(&ctx.named(user, "A").await);
    let b = id_of(&ctx.named(user, "B").await);
    let keep = id_of(&ctx.named(user, "Keep").await);
    let theirs = id_of(&ctx.named(other, "Theirs").await);
    let missing = Uuid::now_v7().to_string();

    let res = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/contacts/bulk-delete",
            Some(json!({"ids": [a, theirs, b, a, missing]})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"deleted": 2, "errors": [
            {"id": theirs, "code": "not_found"},
            {"id": missing, "code": "not_found"},
        ]})
    );
    let left = get_json(&ctx, user, "/api/v1/contacts").await;
    assert_eq!(names(&left), ["Keep"]);
    assert_eq!(
        get_json(&ctx, user, &format!("/api/v1/contacts/{keep}")).await["id"],
        keep
    );
    // The other user's contact was never touched.
    let theirs_now = get_json(&ctx, other, &format!("/api/v1/contacts/{theirs}")).await;
    assert_eq!(theirs_now["displayName"], "Theirs");

    // Deleting them again reports every id.
    let again: Value = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/contacts/bulk-delete",
            Some(json!({"ids": [a]})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        again,
        json!({"deleted": 0, "errors": [{"id": a, "code": "not_found"}]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_is_all_or_nothing() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let fine = id_of(&ctx.named(user, "Fine").await);
    let doomed = id_of(&ctx.named(user, "Explodes").await);
    // Make deleting one of the rows fail inside the statement.
    sql(
        &ctx,
        "CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
         CREATE TRIGGER refuse_delete BEFORE DELETE ON contacts FOR EACH ROW
           WHEN (OLD.display_name = 'Explodes') EXECUTE FUNCTION refuse_delete();",
    )
    .await;
    let res = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/contacts/bulk-delete",
            Some(json!({"ids": [fine, doomed]})),
        )
        .await;
    problem(res, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    let count = get_json(&ctx, user, "/api/v1/contacts/count").await;
    assert_eq!(count["count"], 2, "nothing was deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_validates_its_body() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let send = |body: Value| {
        ctx.send(
            user,
            Method::POST,
            "/api/v1/contacts/bulk-delete",
            Some(body),
        )
    };
    let empty = problem(
        send(json!({"ids": []})).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&empty), ["/ids"]);
    let ids: Vec<String> = (0..101).map(|_| Uuid::now_v7().to_string()).collect();
    let many = problem(
        send(json!({ "ids": ids })).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&many), ["/ids"]);
    let not_uuid = problem(
        send(json!({"ids": [Uuid::now_v7(), "nope"]})).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&not_uuid), ["/ids/1"]);
    problem(
        send(json!({"ids": [], "all": true})).await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
}
