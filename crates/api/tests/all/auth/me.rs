//! `GET /api/v1/auth/me`.

use crate::common::auth::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use serde_json::Value;
use time::OffsetDateTime;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_reports_the_expiry_as_rfc3339() {
    let ctx = setup().await;
    let user = TestApp::new_user().into_uuid();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let me: Value = me_status(&ctx, &mint(&supabase_claims(user, now)))
        .await
        .json();
    let expires = me["expiresAt"].as_str().unwrap_or_default();
    let parsed =
        OffsetDateTime::parse(expires, &time::format_description::well_known::Rfc3339).ok();
    assert_eq!(
        parsed.map(OffsetDateTime::unix_timestamp),
        Some(now + 3600),
        "{me}"
    );
}
