//! `GET /api/v1/health` and `/health/ready`.

use crate::common::setup;
use reqwest::StatusCode;
use std::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_readiness_probes_costs_about_one_database_check_a_second() {
    let ctx = setup().await;
    let before = ctx.app.services.health.database_checks();
    let started = Instant::now();
    let probes = (0..200).map(|_| {
        let app = &ctx.app;
        async move { app.anonymous().get("/api/v1/health/ready").await.status() }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_reports_ok_over_a_migrated_database() {
    let ctx = setup().await;
    let res = ctx.app.anonymous().get("/api/v1/health/ready").await;
    assert_eq!(res.status(), StatusCode::OK);
}
