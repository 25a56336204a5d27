//! `POST /api/v1/user/export`, `GET /api/v1/user/export/{id}` and its download: an asynchronous export is a job with a signed, expiring download of its user.

use crate::common::fair_share::*;
use crate::common::setup;
use omnicrm_services::integrations::{ObjectKey, UrlSigner};
use omnicrm_testkit::{TEST_MASTER_KEY, TestApp};
use reqwest::StatusCode;
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
    let as_alice = ctx.app.as_user(alice);
    let as_bob = ctx.app.as_user(bob);
    let client = contact(&as_alice).await;
    let res = upload(&ctx.app, alice, &client, &pdf(3000)).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let res = as_alice.post("/api/v1/user/export").await;
    let location = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let job = res.ok_json(StatusCode::ACCEPTED);
    let id = job["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/user/export/{id}"));
    assert_eq!(job["status"], "pending");
    assert!(job["downloadUrl"].is_null());
    let status = as_alice.get(&location).await.ok_json(StatusCode::OK);
    assert_eq!(status["status"], "pending");

    // Another user sees nothing of it.
    let res = as_bob.get(&location).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");

    let ran = as_alice.post("/api/v1/jobs/runner").await;
    assert_eq!(ran.ok_json(StatusCode::OK)["succeeded"], 1);
    let ready = as_alice.get(&location).await.ok_json(StatusCode::OK);
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

    let res = as_alice.get(&url).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let archived = unzip(res.bytes());
    assert_eq!(
        ready["sizeBytes"].as_i64().unwrap() > 0,
        !archived.is_empty()
    );

    // The same archive as the synchronous export (the job tables moved on in between).
    let res = as_alice.get("/api/v1/user/export").await;
    assert_eq!(res.status(), StatusCode::OK);
    let direct = unzip(res.bytes());
    assert_eq!(
        archived.keys().collect::<Vec<_>>(),
        direct.keys().collect::<Vec<_>>()
    );
    let moving = [
        "manifest.json",
        "tables/job_queue.json",
        "tables/job_history.json",
        "tables/user_exports.json",
        "tables/user_export_records.json",
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
    let res = as_bob.get(&url).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    // No token at all: 401.
    let res = ctx.app.anonymous().get(&url).await;
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    // A tampered signature or a missing one: 404.
    let tampered = format!("{}x", &url[..url.len() - 1]);
    let res = as_alice.get(&tampered).await;
    res.problem(StatusCode::NOT_FOUND, "not_found");
    let bare = format!("/api/v1/user/export/{id}/download");
    as_alice
        .get(&bare)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
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
    as_alice
        .get(&expired)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    // An id that is not a UUID, or unknown: 404.
    for path in [
        "/api/v1/user/export/nope".to_owned(),
        format!("/api/v1/user/export/{}", uuid::Uuid::now_v7()),
    ] {
        as_alice
            .get(&path)
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
    }
}
