//! With the database cut off (through a proxy only this test uses), readiness and contacts
//! answer 503 `unavailable` within seconds, and recover when it returns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use crate::common::behind_proxy;
use omnicrm_services::health::READY_TTL;
use omnicrm_testkit::{ProxyMode, TestApp, TestAppOptions};
use reqwest::StatusCode;

async fn outage_and_recovery(mode: ProxyMode) {
    let (_db, proxy, app) = behind_proxy(TestAppOptions::default()).await;
    let user = TestApp::new_user();
    let contacts = app.url("/api/v1/contacts");
    let ready = app.url("/api/v1/health/ready");
    let token = TestApp::token(user);

    assert_eq!(app.anonymous().get(&ready).await.status(), StatusCode::OK);
    assert_eq!(
        app.with_bearer(&token).get(&contacts).await.status(),
        StatusCode::OK
    );

    proxy.set(mode);
    // Readiness answers are reused for a second (`READY_TTL`): let the good one expire.
    tokio::time::sleep(READY_TTL + Duration::from_millis(100)).await;
    for url in [&ready, &contacts] {
        let started = Instant::now();
        let res = app.with_bearer(&token).get(url).await;
        let elapsed = started.elapsed();
        res.problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        assert!(
            elapsed < Duration::from_secs(5),
            "{mode:?}: {url} took {elapsed:?}"
        );
    }

    proxy.set(ProxyMode::Forward);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = app.with_bearer(&token).get(&contacts).await.status();
        if status == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{mode:?}: no recovery, still {status}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(READY_TTL + Duration::from_millis(100)).await;
    assert_eq!(app.anonymous().get(&ready).await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_answer_503_fast_and_recover() {
    outage_and_recovery(ProxyMode::Reset).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silently_dropped_packets_answer_503_fast_and_recover() {
    outage_and_recovery(ProxyMode::Blackhole).await;
}

/// A pooled connection that died without a word while idle (a firewall dropped the flow)
/// is probed and replaced before a request uses it: the request succeeds instead of
/// waiting out its deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_died_silently_while_idle_is_replaced_before_use() {
    let (_db, proxy, app) = behind_proxy(TestAppOptions::default()).await;
    let user = app.as_user(TestApp::new_user());
    let list = || user.get("/api/v1/contacts");
    assert_eq!(list().await.status(), StatusCode::OK);

    proxy.set(ProxyMode::StrandExisting);
    tokio::time::sleep(omnicrm_repo::PROBE_IDLE_AFTER + Duration::from_millis(200)).await;
    list().await.expect(StatusCode::OK);
    app.stop().await;
}
