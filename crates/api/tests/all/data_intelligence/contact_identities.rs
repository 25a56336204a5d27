//! `/api/v1/data-intelligence/contact-identities`: normalised, unique, editable, listed with filters and pages.

use crate::common::identities::*;
use crate::common::named_contact;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_are_normalised_unique_and_editable() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let ann = named_contact(&as_user, "Ann").await;
    let ann_id = ann["id"].as_str().unwrap();

    let res = identity(&as_user, json!({"contactId": ann_id, "kind": "email", "value": "  Ann.Lee@Example.COM ", "provider": "gmail"}))
    .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let email = res.ok_json(StatusCode::CREATED);
    assert_eq!(email["value"], "ann.lee@example.com");
    assert_eq!(email["provider"], "gmail");
    assert_eq!(email["contactId"], ann_id);
    assert_eq!(
        location,
        format!("{IDENTITIES}/{}", email["id"].as_str().unwrap())
    );
    assert_eq!(as_user.get(&location).await.ok_json(StatusCode::OK), email);

    let phone = identity(
        &as_user,
        json!({"contactId": ann_id, "kind": "phone", "value": "(202) 555-0143"}),
    )
    .await
    .ok_json(StatusCode::CREATED);
    assert_eq!(phone["value"], "+12025550143");
    assert_eq!(phone["provider"], Value::Null);
    let handle = identity(
        &as_user,
        json!({"contactId": ann_id, "kind": "handle", "value": " @AnnLee "}),
    )
    .await
    .ok_json(StatusCode::CREATED);
    assert_eq!(handle["value"], "@AnnLee");

    // The same identifier in another spelling, with the same provider, is taken.
    identity(&as_user, json!({"contactId": ann_id, "kind": "email", "value": "ANN.LEE@example.com", "provider": "gmail"})).await.problem(StatusCode::CONFLICT, "conflict");
    identity(
        &as_user,
        json!({"contactId": ann_id, "kind": "phone", "value": "+1 202 555 0143"}),
    )
    .await
    .problem(StatusCode::CONFLICT, "conflict");
    // Another provider is another identity.
    identity(&as_user, json!({"contactId": ann_id, "kind": "email", "value": "ann.lee@example.com", "provider": "calendar"}))
        .await;

    // Invalid values are 400 at /value.
    let bad_phone = identity(
        &as_user,
        json!({"contactId": ann_id, "kind": "phone", "value": "12"}),
    )
    .await
    .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&bad_phone), ["/value"]);
    assert_eq!(bad_phone["errors"][0]["code"], "phone");
    let bad_email = identity(
        &as_user,
        json!({"contactId": ann_id, "kind": "email", "value": "ann at example"}),
    )
    .await
    .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&bad_email), ["/value"]);
    let missing = identity(&as_user, json!({"kind": "fax", "value": "1"}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert!(!pointers(&missing).is_empty());
    identity(
        &as_user,
        json!({"contactId": Uuid::now_v7(), "kind": "email", "value": "x@y.z"}),
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not_found");

    // PATCH normalises for the resulting kind, clears the provider, and refuses a taken result.
    let path = format!("{IDENTITIES}/{}", phone["id"].as_str().unwrap());
    let changed = as_user
        .patch_json(
            &path,
            &json!({"value": "202.555.0199", "provider": "manual"}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(changed["value"], "+12025550199");
    assert_eq!(changed["provider"], "manual");
    let cleared = as_user
        .patch_json(&path, &json!({"provider": null}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(cleared["provider"], Value::Null);
    let to_email = as_user
        .patch_json(&path, &json!({"kind": "email"}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&to_email), ["/kind"]);
    let email_path = format!("{IDENTITIES}/{}", email["id"].as_str().unwrap());
    as_user
        .patch_json(&email_path, &json!({"provider": "calendar"}))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    let null_value = as_user
        .patch_json(&path, &json!({"value": null}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&null_value), ["/value"]);

    let res = as_user.delete(&path).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    as_user
        .delete(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    as_user
        .get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_list_filters_and_paginates() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let ann = named_contact(&ctx.app.as_user(user), "Ann").await;
    let bob = named_contact(&ctx.app.as_user(user), "Bob").await;
    for (contact, kind, value, provider) in [
        (&ann, "email", "ann@x.com", Some("gmail")),
        (&ann, "phone", "+12025550143", None),
        (&bob, "email", "bob@x.com", Some("calendar")),
        (&bob, "handle", "@bobby", Some("manual")),
    ] {
        let mut body = json!({"contactId": contact["id"], "kind": kind, "value": value});
        if let Some(p) = provider {
            body["provider"] = json!(p);
        }
        assert_eq!(
            identity(&ctx.app.as_user(user), body).await.status(),
            StatusCode::CREATED
        );
    }
    let ctx = &ctx;
    let list = |query: String| async move {
        ctx.app
            .as_user(user)
            .get(&format!("{IDENTITIES}{query}"))
            .await
            .ok_json(StatusCode::OK)
    };
    // Newest first.
    assert_eq!(
        values(&list(String::new()).await),
        ["@bobby", "bob@x.com", "+12025550143", "ann@x.com"]
    );
    assert_eq!(
        values(&list(format!("?contactId={}", ann["id"].as_str().unwrap())).await),
        ["+12025550143", "ann@x.com"]
    );
    assert_eq!(
        values(&list("?kind=email&kind=handle".into()).await),
        ["@bobby", "bob@x.com", "ann@x.com"]
    );
    assert_eq!(
        values(&list("?provider=gmail&provider=manual".into()).await),
        ["@bobby", "ann@x.com"]
    );
    assert_eq!(
        values(&list("?search=BOB".into()).await),
        ["@bobby", "bob@x.com"]
    );
    let page = list("?pageSize=3&page=2".into()).await;
    assert_eq!(values(&page), ["ann@x.com"]);
    assert_eq!(page["pagination"]["total"], 4);
    assert_eq!(page["pagination"]["totalPages"], 2);

    let bad = ctx
        .app
        .as_user(user)
        .get(&format!("{IDENTITIES}?kind=fax"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert!(
        pointers(&bad).iter().all(|p| p.starts_with("/kind")),
        "{bad}"
    );
    ctx.app
        .as_user(user)
        .get(&format!("{IDENTITIES}?pageSize=500"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
}
