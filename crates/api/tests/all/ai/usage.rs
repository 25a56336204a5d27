//! `GET /ai/usage`: the month's usage and the limits, for a user with no AI use yet.

use omnicrm_testkit::TestApp;

use crate::common::ai::{setup_with, usage};

#[tokio::test]
async fn a_new_user_has_all_credits_and_no_usage() {
    let ctx = setup_with(|ai| ai.monthly_credits = Some(50)).await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let u = usage(&alice).await;
    assert_eq!(u["configured"], true);
    assert_eq!(u["monthlyCredits"], 50);
    assert_eq!(u["creditsLeft"], 50);
    assert_eq!(u["monthRequests"], 0);
    assert_eq!(u["todayCostUsdMicros"], 0);
    let start = u["periodStart"].as_str().unwrap();
    assert!(start.ends_with("-01"), "{start}");
    assert!(
        u["periodResetsAt"]
            .as_str()
            .unwrap()
            .ends_with("-01T00:00:00Z")
    );
}
