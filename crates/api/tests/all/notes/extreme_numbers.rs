//! `POST /api/v1/notes`: a rich document keeps any number JSON allows. PostgreSQL's `jsonb`
//! writes the largest doubles out in full (309 digits), and reading them back must give the
//! same double, not a 500 (found by scripts/contract-test).

use crate::common::notes::*;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_largest_doubles_in_a_rich_document_are_stored_and_read_back() {
    let ctx = setup().await;
    let as_user = ctx.app.as_user(TestApp::new_user());
    let contact_id = contact(&as_user, "Ann").await;
    let note = create_note(
        &as_user,
        json!({
            "contactId": contact_id,
            "contentPlain": "numbers",
            "contentRich": {"text": "numbers", "attrs": {"low": -1.797_693_134_862_315_7e308, "high": 1.797_693_134_862_315_7e308}},
        }),
    )
    .await;
    assert_eq!(note["contentRich"]["attrs"]["low"], json!(-f64::MAX));
    assert_eq!(note["contentRich"]["attrs"]["high"], json!(f64::MAX));
}
