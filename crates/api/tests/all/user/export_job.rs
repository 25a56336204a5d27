//! `POST /api/v1/user/export`, `GET /api/v1/user/export/{id}` and its download: an asynchronous export is a job with a signed, expiring download of its user.

use crate::common::fair_share::*;
use crate::common::{problem, setup};
use omnicrm_services::integrations::{ObjectKey, UrlSigner};
use omnicrm_testkit::{TEST_MASTER_KEY, TestApp};
use reqwest::{Method, StatusCode};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::time::Duration;
use time::OffsetDateTime;

fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.insert(entry.name().unwrap().into_owned(), data);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_asynchronous_export_is_a_job_with_a_signed_expiring_download_of_its_user() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let client = contact(&ctx, alice).await;
    let res = upload(&ctx.app, alice, &client, &pdf(3000)).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let res = ctx
        .send(alice, Method::POST, "/api/v1/user/export", None)
        .await;
    let location = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let job = json(res, StatusCode::ACCEPTED).await;
    let id = job["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/user/export/{id}"));
    assert_eq!(job["status"], "pending");
    assert!(job["downloadUrl"].is_null());
    let status = json(
        ctx.send(alice, Method::GET, &location, None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(status["status"], "pending");

    // Another user sees nothing of it.
    let res = ctx.send(bob, Method::GET, &location, None).await;
    problem(res, StatusCode::NOT_FOUND, "not_found").await;

    let ran = ctx
        .send(alice, Method::POST, "/api/v1/jobs/runner", None)
        .await;
    assert_eq!(json(ran, StatusCode::OK).await["succeeded"], 1);
    let ready = json(
        ctx.send(alice, Method::GET, &location, None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ready["status"], "ready", "{ready}");
    let url = ready["downloadUrl"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("/api/v1/user/export/{id}/download?exp=")));
    let expires: OffsetDateTime = OffsetDateTime::parse(
        ready["downloadExpiresAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(expires > OffsetDateTime::now_utc());
    assert!(expires < OffsetDateTime::now_utc() + time::Duration::hours(1));

    let res = ctx.send(alice, Method::GET, &url, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let archived = unzip(&res.bytes().await.unwrap());
    assert_eq!(
        ready["sizeBytes"].as_i64().unwrap() > 0,
        !archived.is_empty()
    );

    // The same archive as the synchronous export (the job tables moved on in between).
    let res = ctx
        .send(alice, Method::GET, "/api/v1/user/export", None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let direct = unzip(&res.bytes().await.unwrap());
    assert_eq!(
        archived.keys().collect::<Vec<_>>(),
        direct.keys().collect::<Vec<_>>()
    );
    let moving = [
        "manifest.json",
        "tables/job_queue.json",
        "tables/job_history.json",
        "tables/user_exports.json",
    ];
    for (name, bytes) in &archived {
        if !moving.contains(&name.as_str()) {
            assert_eq!(Some(bytes), direct.get(name), "{name}");
        }
    }
    assert!(archived.keys().any(|k| k.starts_with("files/")));
    assert!(
        !archived.keys().any(|k| k.contains("/exports/")),
        "an export never contains export archives"
    );

    // Bound to its user: Bob's token with Alice's URL is the same 404.
    let res = ctx.send(bob, Method::GET, &url, None).await;
    problem(res, StatusCode::NOT_FOUND, "not_found").await;
    // No token at all: 401.
    let res = ctx.app.http.get(ctx.app.url(&url)).send().await.unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    // A tampered signature or a missing one: 404.
    let tampered = format!("{}x", &url[..url.len() - 1]);
    let res = ctx.send(alice, Method::GET, &tampered, None).await;
    problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let bare = format!("/api/v1/user/export/{id}/download");
    problem(
        ctx.send(alice, Method::GET, &bare, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // A correctly signed URL whose time is up: 404.
    let key: String = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query_one(
            "SELECT object_key FROM user_exports WHERE user_id = $1",
            &[&alice.into_uuid()],
        )
        .await
        .unwrap()
        .get(0);
    let signer = UrlSigner::derive(&TEST_MASTER_KEY);
    let old = signer.sign(
        &ObjectKey::parse(&key).unwrap(),
        OffsetDateTime::now_utc() - time::Duration::hours(2),
        Duration::from_secs(15 * 60),
    );
    let query = old.path_and_query.split_once('?').unwrap().1;
    let expired = format!("/api/v1/user/export/{id}/download?{query}");
    problem(
        ctx.send(alice, Method::GET, &expired, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // An id that is not a UUID, or unknown: 404.
    for path in [
        "/api/v1/user/export/nope".to_owned(),
        format!("/api/v1/user/export/{}", uuid::Uuid::now_v7()),
    ] {
        problem(
            ctx.send(alice, Method::GET, &path, None).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
}
