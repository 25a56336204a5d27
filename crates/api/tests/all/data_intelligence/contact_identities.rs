//! `/api/v1/data-intelligence/contact-identities`: normalised, unique, editable, listed with filters and pages.

use crate::common::identities::*;
use crate::common::{pointers, problem, setup};
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_are_normalised_unique_and_editable() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let ann = ctx.named(user, "Ann").await;
    let ann_id = ann["id"].as_str().unwrap();

    let res = identity(
        &ctx,
        user,
        json!({"contactId": ann_id, "kind": "email", "value": "  Ann.Lee@Example.COM ", "provider": "gmail"}),
    )
    .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let email = json_of(res, StatusCode::CREATED).await;
    assert_eq!(email["value"], "ann.lee@example.com");
    assert_eq!(email["provider"], "gmail");
    assert_eq!(email["contactId"], ann_id);
    assert_eq!(
        location,
        format!("{IDENTITIES}/{}", email["id"].as_str().unwrap())
    );
    assert_eq!(
        json_of(
            ctx.send(user, Method::GET, &location, None).await,
            StatusCode::OK
        )
        .await,
        email
    );

    let phone = json_of(
        identity(
            &ctx,
            user,
            json!({"contactId": ann_id, "kind": "phone", "value": "(202) 555-0143"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(phone["value"], "+12025550143");
    assert_eq!(phone["provider"], Value::Null);
    let handle = json_of(
        identity(
            &ctx,
            user,
            json!({"contactId": ann_id, "kind": "handle", "value": " @AnnLee "}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(handle["value"], "@AnnLee");

    // The same identifier in another spelling, with the same provider, is taken.
    problem(
        identity(&ctx, user, json!({"contactId": ann_id, "kind": "email", "value": "ANN.LEE@example.com", "provider": "gmail"})).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    problem(
        identity(
            &ctx,
            user,
            json!({"contactId": ann_id, "kind": "phone", "value": "+1 202 555 0143"}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    // Another provider is another identity.
    identity(&ctx, user, json!({"contactId": ann_id, "kind": "email", "value": "ann.lee@example.com", "provider": "calendar"}))
        .await;

    // Invalid values are 400 at /value.
    let bad_phone = problem(
        identity(
            &ctx,
            user,
            json!({"contactId": ann_id, "kind": "phone", "value": "12"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&bad_phone), ["/value"]);
    assert_eq!(bad_phone["errors"][0]["code"], "phone");
    let bad_email = problem(
        identity(
            &ctx,
            user,
            json!({"contactId": ann_id, "kind": "email", "value": "ann at example"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&bad_email), ["/value"]);
    let missing = problem(
        identity(&ctx, user, json!({"kind": "fax", "value": "1"})).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert!(!pointers(&missing).is_empty());
    problem(
        identity(
            &ctx,
            user,
            json!({"contactId": Uuid::now_v7(), "kind": "email", "value": "x@y.z"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // PATCH normalises for the resulting kind, clears the provider, and refuses a taken result.
    let path = format!("{IDENTITIES}/{}", phone["id"].as_str().unwrap());
    let changed = json_of(
        ctx.send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"value": "202.555.0199", "provider": "manual"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["value"], "+12025550199");
    assert_eq!(changed["provider"], "manual");
    let cleared = json_of(
        ctx.send(user, Method::PATCH, &path, Some(json!({"provider": null})))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared["provider"], Value::Null);
    let to_email = problem(
        ctx.send(user, Method::PATCH, &path, Some(json!({"kind": "email"})))
            .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&to_email), ["/kind"]);
    let email_path = format!("{IDENTITIES}/{}", email["id"].as_str().unwrap());
    problem(
        ctx.send(
            user,
            Method::PATCH,
            &email_path,
            Some(json!({"provider": "calendar"})),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let null_value = problem(
        ctx.send(user, Method::PATCH, &path, Some(json!({"value": null})))
            .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&null_value), ["/value"]);

    let res = ctx.send(user, Method::DELETE, &path, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    problem(
        ctx.send(user, Method::DELETE, &path, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(user, Method::GET, &path, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_list_filters_and_paginates() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let ann = ctx.named(user, "Ann").await;
    let bob = ctx.named(user, "Bob").await;
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
            identity(&ctx, user, body).await.status(),
            StatusCode::CREATED
        );
    }
    let ctx = &ctx;
    let list = |query: String| async move {
        json_of(
            ctx.send(user, Method::GET, &format!("{IDENTITIES}{query}"), None)
                .await,
            StatusCode::OK,
        )
        .await
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

    let bad = problem(
        ctx.send(user, Method::GET, &format!("{IDENTITIES}?kind=fax"), None)
            .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert!(
        pointers(&bad).iter().all(|p| p.starts_with("/kind")),
        "{bad}"
    );
    problem(
        ctx.send(
            user,
            Method::GET,
            &format!("{IDENTITIES}?pageSize=500"),
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
}
