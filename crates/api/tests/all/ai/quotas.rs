//! The limits: monthly credits spent atomically (with the month's rollover), requests
//! per minute, and the daily cost cap; each answers 429 `quota_exceeded` with
//! `Retry-After`, and a refused request never reaches the provider.

use futures_util::future::join_all;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;

use crate::common::ai::{ask, create_thread, owner_exec, setup_with, usage};

#[tokio::test]
async fn concurrent_requests_never_spend_more_than_the_months_credits_and_the_month_rolls_over() {
    let ctx = setup_with(|ai| ai.monthly_credits = Some(3)).await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let thread = create_thread(&alice).await;
    let answers = join_all((0..8).map(|i| {
        let alice = alice.clone();
        let thread = thread.clone();
        async move { ask(&alice, &thread, &format!("question {i}")).await }
    }))
    .await;
    let ok = answers
        .iter()
        .filter(|r| r.status() == StatusCode::OK)
        .count();
    let refused: Vec<_> = answers
        .iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!((ok, refused.len()), (3, 5));
    for r in &refused {
        let p = r.problem(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
        assert!(p["detail"].as_str().unwrap().contains("resets at"));
        let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!(retry > 0);
    }
    assert_eq!(
        ctx.fake.calls(),
        3,
        "refused requests never reach the provider"
    );
    assert_eq!(usage(&alice).await["creditsLeft"], 0);

    // A new month: the stored quota belongs to the previous one.
    owner_exec(
        &ctx.db,
        &format!(
            "UPDATE ai_quotas SET period_start = (period_start - interval '1 month')::date \
             WHERE user_id = '{user}'"
        ),
    )
    .await;
    assert_eq!(usage(&alice).await["creditsLeft"], 3);
    let answers = join_all((0..6).map(|i| {
        let alice = alice.clone();
        let thread = thread.clone();
        async move { ask(&alice, &thread, &format!("again {i}")).await.status() }
    }))
    .await;
    let ok = answers.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 3, "{answers:?}");
    assert_eq!(usage(&alice).await["creditsLeft"], 0);
}

#[tokio::test]
async fn requests_per_minute_are_limited_per_user() {
    let ctx = setup_with(|ai| ai.requests_per_minute = Some(2)).await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let thread = create_thread(&alice).await;
    ask(&alice, &thread, "one").await.expect(StatusCode::OK);
    ask(&alice, &thread, "two").await.expect(StatusCode::OK);
    let r = ask(&alice, &thread, "three").await;
    r.problem(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    assert!(r.header("retry-after").is_some());
    let bobs = create_thread(&bob).await;
    ask(&bob, &bobs, "one").await.expect(StatusCode::OK);
}

#[tokio::test]
async fn the_daily_cost_cap_stops_requests_until_the_next_utc_day() {
    // The fake charges 100 micro-dollars per call: two calls pass a 150 cap.
    let ctx = setup_with(|ai| ai.daily_cost_cap_usd = Some(0.000_15)).await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let thread = create_thread(&alice).await;
    ask(&alice, &thread, "one").await.expect(StatusCode::OK);
    ask(&alice, &thread, "two").await.expect(StatusCode::OK);
    let r = ask(&alice, &thread, "three").await;
    let p = r.problem(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    assert!(p["detail"].as_str().unwrap().contains("cost cap"));
    let u = usage(&alice).await;
    assert_eq!(u["todayCostUsdMicros"], 200);
    assert_eq!(u["dailyCostCapUsdMicros"], 150);
}
