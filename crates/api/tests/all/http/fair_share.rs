//! Fair share between users: slow export readers do not starve others, and a user over the heavy limit gets 429 on every instance.

use crate::common::fair_share::*;
use crate::common::named_contact;
use crate::common::{Ctx, setup};
use omnicrm_domain::UserId;
use omnicrm_testkit::{TestApp, TestAppOptions, TestDb};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

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
    let as_other = ctx.app.as_user(other);
    named_contact(&as_other, "Someone").await;
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
    let res = as_other.get("/api/v1/contacts").await;
    let took = started.elapsed();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    drop(readers);
}

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
    let alices = contact(&ctx.app.as_user(alice)).await;
    let bobs = contact(&ctx.app.as_user(bob)).await;

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
        res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        // Exports and bulk operations share the limit.
        let res = ctx
            .app
            .as_user(alice)
            .post_json(
                "/api/v1/contacts/bulk-delete",
                &serde_json::json!({"ids": [uuid::Uuid::now_v7()]}),
            )
            .await;
        res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        let res = app.as_user(alice).get("/api/v1/user/export").await;
        res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
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
