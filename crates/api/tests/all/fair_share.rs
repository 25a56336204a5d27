//! No single user can starve the others: exports are spooled before they are sent (slow
//! readers hold no connection), large accounts export asynchronously, heavy routes have a
//! per-user concurrency limit shared by every instance, stored files have a per-user
//! quota, and `/health/ready` stays cheap under a flood.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::common::{Ctx, problem, setup};
use omnicrm_domain::UserId;
use omnicrm_services::integrations::{ObjectKey, UrlSigner};
use omnicrm_testkit::{TEST_MASTER_KEY, TestApp, TestAppOptions, TestDb};
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const BOUNDARY: &str = "fair-share-boundary-93hf7a";

fn addr(app: &TestApp) -> SocketAddr {
    app.base_url.trim_start_matches("http://").parse().unwrap()
}

/// A PDF-looking document of `size` bytes (PDFs are stored byte for byte).
fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.resize(size, b'x');
    bytes
}

/// A PNG of pseudo-random pixels (hardly compressible).
fn noisy_png(width: u32, height: u32) -> Vec<u8> {
    let mut seed: u32 = 0x9E37_79B9;
    let img = image::RgbImage::from_fn(width, height, |_, _| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let [a, b, c, _] = seed.to_le_bytes();
        image::Rgb([a, b, c])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn form(file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(app: &TestApp, user: UserId, contact: &str, file: &[u8]) -> Response {
    app.as_user(user)
        .request(Method::POST, &format!("/api/v1/contacts/{contact}/files"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(form(file))
        .send()
        .await
        .unwrap()
}

async fn contact(ctx: &Ctx, user: UserId) -> String {
    ctx.named(user, "Client").await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Objects stored for `user` (files on disk under their directory).
fn stored_files(app: &TestApp, user: UserId) -> usize {
    let dir = app.files_dir.path().join(user.to_string());
    walk(&dir)
}

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { walk(&p) } else { 1 })
        .sum()
}

/// Opens a connection that sends `head` and never finishes its request.
async fn stalled_request(app: &TestApp, head: String) -> TcpStream {
    let mut stream = TcpStream::connect(addr(app)).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// The head of an upload that declares `length` bytes, plus the first part's preamble.
fn upload_head(user: UserId, contact: &str, length: usize) -> String {
    format!(
        "POST /api/v1/contacts/{contact}/files HTTP/1.1\r\nHost: test\r\n\
         Authorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {length}\r\n\r\n--{BOUNDARY}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\n",
        TestApp::token(user)
    )
}

async fn status_line(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut buf = [0_u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

async fn leases(db: &TestDb) -> i64 {
    let owner = db.owner().await.unwrap();
    owner
        .query_one("SELECT count(*) FROM heavy_request_leases", &[])
        .await
        .unwrap()
        .get(0)
}

async fn wait_for_leases(db: &TestDb, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while leases(db).await != n {
        assert!(Instant::now() < deadline, "expected {n} heavy leases");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

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

// ---------------------------------------------------------------------------------------
// (a) slow export readers

/// A client that asks for its export, reads the first bytes and then stalls, with a tiny
/// receive window so nothing much piles up on its side.
async fn slow_export_reader(app: &TestApp, user: UserId) -> (TcpStream, String) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(addr(app)).await.unwrap();
    let head = format!(
        "GET /api/v1/user/export HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\r\n",
        TestApp::token(user)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut first = [0_u8; 12];
    stream.read_exact(&mut first).await.unwrap();
    (stream, String::from_utf8_lossy(&first).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_export_readers_do_not_starve_another_users_requests() {
    let ctx = setup().await;
    let hoarder = TestApp::new_user();
    let other = TestApp::new_user();
    ctx.named(other, "Someone").await;
    // About 24 MB of rows that hardly compress: far more than socket buffers hold.
    let u = hoarder.into_uuid();
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{u}');
             INSERT INTO contacts (user_id, id, display_name)
                 VALUES ('{u}', '00000000-0000-7000-8000-000000000001', 'Big');
             INSERT INTO notes (user_id, id, contact_id, content_plain)
                 SELECT '{u}', gen_random_uuid(), '00000000-0000-7000-8000-000000000001',
                        (SELECT string_agg(md5(i::text || '-' || j::text), '')
                         FROM generate_series(1, 32) j)
                 FROM generate_series(1, 24000) i;"
        ))
        .await
        .unwrap();

    // The test app's pool has 4 connections: two more readers than that.
    let readers = (0..6).map(|_| {
        let app = &ctx.app;
        async move { slow_export_reader(app, hoarder).await }
    });
    let readers = tokio::time::timeout(
        Duration::from_secs(180),
        futures_util::future::join_all(readers),
    )
    .await
    .expect("every reader gets its first bytes");
    assert!(readers.iter().any(|(_, first)| first.contains("200")));

    // Every reader now sits on its download without reading further.
    let started = Instant::now();
    let res = ctx.send(other, Method::GET, "/api/v1/contacts", None).await;
    let took = started.elapsed();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    drop(readers);
}

// ---------------------------------------------------------------------------------------
// (b) asynchronous export

async fn json(res: Response, status: StatusCode) -> Value {
    let got = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
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

// ---------------------------------------------------------------------------------------
// (c) per-user concurrency limit of heavy routes

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_over_the_heavy_limit_gets_429_on_every_instance_and_others_do_not() {
    let db = TestDb::new().await.unwrap();
    let options = || TestAppOptions {
        heavy_concurrency: 2,
        ..TestAppOptions::default()
    };
    let first = TestApp::spawn_with(&db, options()).await;
    let second = TestApp::spawn_with(&db, options()).await;
    let ctx = Ctx { db, app: first };
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let alices = contact(&ctx, alice).await;
    let bobs = contact(&ctx, bob).await;

    // Two uploads of Alice that never finish sending their bodies, one per instance.
    let stalled = [
        stalled_request(&ctx.app, upload_head(alice, &alices, 100_000)).await,
        stalled_request(&second, upload_head(alice, &alices, 100_000)).await,
    ];
    wait_for_leases(&ctx.db, 2).await;

    for app in [&ctx.app, &second] {
        let res = upload(app, alice, &alices, &pdf(2000)).await;
        let retry_after: u64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry_after >= 1);
        problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        // Exports and bulk operations share the limit.
        let res = ctx
            .app
            .as_user(alice)
            .request(Method::POST, "/api/v1/contacts/bulk-delete")
            .json(&serde_json::json!({"ids": [uuid::Uuid::now_v7()]}))
            .send()
            .await
            .unwrap();
        problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        let res = app
            .as_user(alice)
            .request(Method::GET, "/api/v1/user/export")
            .send()
            .await
            .unwrap();
        problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    }
    // Bob is not affected.
    let res = upload(&second, bob, &bobs, &pdf(2000)).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // Alice's stalled clients give up: their slots come back.
    drop(stalled);
    wait_for_leases(&ctx.db, 0).await;
    let res = upload(&ctx.app, alice, &alices, &pdf(2000)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

// ---------------------------------------------------------------------------------------
// (d) storage quota

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_past_the_storage_quota_are_413_quota_exceeded_and_store_nothing() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            storage_quota_bytes: 100_000,
            ..TestAppOptions::default()
        },
    )
    .await;
    let ctx = Ctx { db, app };
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let client = contact(&ctx, alice).await;

    let res = upload(&ctx.app, alice, &client, &pdf(60_000)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(stored_files(&ctx.app, alice), 1);

    // 60 000 more would pass 100 000: refused, nothing stored.
    let res = upload(&ctx.app, alice, &client, &pdf(60_000)).await;
    let body = problem(res, StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded").await;
    assert!(body["detail"].as_str().unwrap().contains("quota"));
    assert_eq!(stored_files(&ctx.app, alice), 1);

    // Refused on the declared size, before the body is read: the server answers a
    // request whose body never comes.
    let mut stalled = stalled_request(&ctx.app, upload_head(alice, &client, 5_000_000)).await;
    let line = tokio::time::timeout(Duration::from_secs(10), status_line(&mut stalled))
        .await
        .expect("answered without the body");
    assert!(line.contains(" 413"), "{line}");

    // What still fits is accepted; Bob has a quota of his own.
    let res = upload(&ctx.app, alice, &client, &pdf(30_000)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let bobs = contact(&ctx, bob).await;
    let res = upload(&ctx.app, bob, &bobs, &pdf(60_000)).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // Onboarding uploads waiting for their submission count too.
    let carol = TestApp::new_user();
    let carols = contact(&ctx, carol).await;
    let c = carol.into_uuid();
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO onboarding_tokens (user_id, id, token_hash, label, expires_at, created_by)
                 VALUES ('{c}', '00000000-0000-7000-8000-0000000000aa', sha256('t'), 'l',
                         now() + interval '1 day', '{c}');
             INSERT INTO onboarding_uploads (user_id, id, token_id, object_key, mime_type,
                                             file_size, original_size)
                 VALUES ('{c}', gen_random_uuid(), '00000000-0000-7000-8000-0000000000aa',
                         '{c}/onboarding/{}.jpg', 'image/jpeg', 50000, 50000);",
            uuid::Uuid::now_v7()
        ))
        .await
        .unwrap();
    let res = upload(&ctx.app, carol, &carols, &pdf(60_000)).await;
    problem(res, StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded").await;

    // Uploads through the practitioner's public onboarding links count against their
    // quota too: Alice has 10 000 bytes left.
    let link = ctx
        .send(
            alice,
            Method::POST,
            "/api/v1/onboarding/admin/tokens",
            Some(serde_json::json!({})),
        )
        .await;
    let link = json(link, StatusCode::CREATED).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let photo = noisy_png(120, 120);
    assert!(photo.len() > 10_000);
    let mut body =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n{link}\r\n")
            .into_bytes();
    body.extend_from_slice(&form(&photo)[..]);
    let res = ctx
        .app
        .http
        .post(ctx.app.url("/api/v1/onboarding/public/upload-photo"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded").await;
    assert_eq!(stored_files(&ctx.app, alice), 2);

    // The problem page documents both statuses of the code.
    let page = ctx
        .app
        .http
        .get(ctx.app.url("/problems/quota-exceeded"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("429 or 413"), "{page}");
}

// ---------------------------------------------------------------------------------------
// (e) readiness under a flood

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_readiness_probes_costs_about_one_database_check_a_second() {
    let ctx = setup().await;
    let before = ctx.app.services.health.database_checks();
    let started = Instant::now();
    let probes = (0..200).map(|_| {
        let app = &ctx.app;
        async move {
            app.http
                .get(app.url("/api/v1/health/ready"))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let statuses = futures_util::future::join_all(probes).await;
    let secs = started.elapsed().as_secs();
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let checks = ctx.app.services.health.database_checks() - before;
    assert!(
        checks <= secs + 2,
        "{checks} database checks for 200 probes in {secs} s"
    );
}
